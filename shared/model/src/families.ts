/**
 * The model families `weir train` chooses among by cross-validation, each an iterative learner
 * (epochs or boosting rounds) whose number of iterations cross-validation also picks:
 *
 * - `logistic`: L2-regularised logistic regression (a TF.js network with no hidden layer). Few
 *   parameters: the safest choice with a few hundred labelled sessions, and often the best one
 *   when the features already separate the classes (the scikit-learn baseline that beat the MLP).
 * - `mlp`: two ReLU layers (32, 16) with L2. Learns interactions (e.g. fast *and* no assets) that a
 *   linear model cannot, given thousands of sessions.
 * - `trees`: gradient-boosted depth-3 trees on quantile bins (trees.ts). Indifferent to feature
 *   scale and heavy tails, cuts thresholds where the data say (a share of 304s above some value),
 *   and strong on tabular data of any size.
 *
 * All read the same standardised rows and save into the same pipeline directory format.
 */
import * as tf from '@tensorflow/tfjs';
import { ensureBackend } from './backend.js';
import type { ModelFamily } from './manifest.js';
import { networkArtifactsOf } from './model-files.js';
import { buildNetwork, forwardOf, predictStandardised } from './network.js';
import type { ModelArtifacts } from './pipeline.js';
import { permutation, seededRandom } from './random.js';
import { DEFAULT_TREES, boostTrees, type TreeSpec } from './trees.js';

export const FAMILY_REASONS: Readonly<Record<ModelFamily, string>> = {
  logistic: 'L2-regularised logistic regression: few parameters, safest with a few hundred labelled sessions',
  mlp: 'MLP (32, 16 ReLU, L2): learns feature interactions given thousands of sessions',
  trees: 'gradient-boosted depth-3 trees: indifferent to scale and heavy tails, strong on tabular data',
};

export interface FitRequest {
  /** Standardised rows, row-major. */
  x: Float32Array;
  width: number;
  labels: readonly number[];
  /** Per-row loss weight (class balance). */
  weights: readonly number[];
  iterations: number;
  seed: number;
  /** Scored after every iteration. */
  evalSets?: readonly Float32Array[];
  onIteration?: (iteration: number, evalScores: readonly Float64Array[]) => void;
}

export interface FamilySettings {
  /** L2 on network kernels (logistic, mlp). */
  l2: number;
  /** Rows at or below this train full batch; above, in mini-batches of `batchSize`. */
  fullBatchRows: number;
  batchSize: number;
  trees: TreeSpec;
}

export const DEFAULT_FAMILY_SETTINGS: Readonly<FamilySettings> = Object.freeze({
  l2: 1e-3,
  fullBatchRows: 4096,
  batchSize: 256,
  trees: DEFAULT_TREES,
});

/** Most iterations cross-validation may pick: epochs (full-batch steps on small data) or rounds. */
export function maxIterations(family: ModelFamily, rows: number, settings: FamilySettings): number {
  if (family === 'trees') return 300;
  const fullBatch = rows <= settings.fullBatchRows;
  if (family === 'logistic') return fullBatch ? 500 : 40;
  return fullBatch ? 400 : 40;
}

export async function fitFamily(family: ModelFamily, request: FitRequest, settings: FamilySettings): Promise<ModelArtifacts> {
  if (family === 'trees') {
    return boostTrees({
      data: request.x,
      width: request.width,
      labels: request.labels,
      weights: request.weights,
      rounds: request.iterations,
      spec: settings.trees,
      ...(request.evalSets ? { evalSets: request.evalSets } : {}),
      ...(request.onIteration ? { onRound: request.onIteration } : {}),
    });
  }
  return fitNetwork(family, request, settings);
}

const EPSILON = 1e-7;

async function fitNetwork(family: 'logistic' | 'mlp', r: FitRequest, settings: FamilySettings): Promise<ModelArtifacts> {
  await ensureBackend();
  const n = r.labels.length;
  const width = r.width;
  const fullBatch = n <= settings.fullBatchRows;
  const batchSize = fullBatch ? n : settings.batchSize;
  const learningRate = family === 'logistic' ? (fullBatch ? 0.05 : 0.01) : fullBatch ? 0.01 : 0.003;
  const spec = { hidden: family === 'logistic' ? [] : [32, 16], l2: settings.l2 };
  const model = buildNetwork(width, spec, r.seed);
  const optimizer = tf.train.adam(learningRate);
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const kernels = variables.filter((v) => v.shape.length === 2);
  const random = seededRandom(r.seed);
  const evalSets = r.evalSets ?? [];
  try {
    for (let iteration = 1; iteration <= r.iterations; iteration++) {
      const order = fullBatch ? null : permutation(n, random);
      for (let start = 0; start < n; start += batchSize) {
        const count = Math.min(batchSize, n - start);
        const xb = order === null ? r.x : new Float32Array(count * width);
        const yb: number[] = [];
        const wb: number[] = [];
        for (let k = 0; k < count; k++) {
          const row = order === null ? k : (order[start + k] as number);
          if (order !== null) xb.set(r.x.subarray(row * width, (row + 1) * width), k * width);
          yb.push(r.labels[row] as number);
          wb.push(r.weights[row] as number);
        }
        tf.tidy(() => {
          const x = tf.tensor2d(xb, [count, width]);
          const y = tf.tensor1d(yb, 'float32');
          const w = tf.tensor1d(wb, 'float32');
          optimizer.minimize(
            () => {
              const p = (model.apply(x, { training: true }) as tf.Tensor).reshape([-1]).clipByValue(EPSILON, 1 - EPSILON);
              const ce = y.mul(p.log()).add(tf.scalar(1).sub(y).mul(tf.scalar(1).sub(p).log())).neg();
              const data = ce.mul(w).mean() as tf.Scalar;
              return spec.l2 > 0 ? (data.add(tf.addN(kernels.map((k) => k.square().sum())).mul(spec.l2)) as tf.Scalar) : data;
            },
            false,
            variables,
          );
        });
      }
      if (r.onIteration) {
        const forward = forwardOf(model);
        r.onIteration(
          iteration,
          evalSets.map((set) => predictStandardised(forward, set, width)),
        );
      }
      if (iteration % 20 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    return await networkArtifactsOf(model);
  } finally {
    optimizer.dispose();
    model.dispose();
  }
}

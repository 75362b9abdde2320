/**
 * Training a pipeline from labelled feature rows: stratified split, preprocessing fitted on the
 * training part only, a seeded MLP trained with class-weighted cross-entropy (bots are usually the
 * minority), early stopping on validation loss keeping the best epoch's weights, and validation
 * metrics stored in the result. The loop is our own rather than `model.fit`, so that shuffling uses
 * our seeded PRNG (fit's uses Math.random) — with the seeded initialisers, the same data, options and
 * seed give the same model on the cpu backend.
 */
import * as tf from '@tensorflow/tfjs';
import { ensureBackend } from './backend.js';
import { ModelError } from './errors.js';
import type { TrainingSummary, ValidationSummary } from './manifest.js';
import { networkArtifactsOf } from './model-files.js';
import { rocAuc } from './metrics.js';
import { DEFAULT_NETWORK, buildNetwork, forwardOf, predictStandardised, type NetworkSpec } from './network.js';
import { ModelPipeline } from './pipeline.js';
import { fitPreprocessing, standardiseRows, type FeatureTransform } from './preprocess.js';
import { permutation, seededRandom } from './random.js';
import { evaluateScores } from './score-evaluation.js';
import { stratifiedSplit } from './split.js';
import { DEFAULT_THRESHOLDS, validateThresholds } from './thresholds.js';
import type { Thresholds } from './types.js';

export interface EpochLogs {
  /** 1-based, as shown to people. */
  epoch: number;
  epochs: number;
  /** Class-weighted cross-entropy (plus L2) averaged over the epoch's batches. */
  loss: number;
  valLoss: number;
  valAuc: number | null;
  /** True when this epoch has the lowest validation loss so far (its weights are kept). */
  best: boolean;
  elapsedMs: number;
}

export interface TrainOptions {
  names: readonly string[];
  rows: readonly (readonly number[])[];
  /** 1 = bot, 0 = human. */
  labels: readonly number[];
  /** Per row, e.g. the bot family: stratifies the split and breaks validation recall down. */
  families?: readonly (string | null)[];
  /** The feature registry's fingerprint, stored in the pipeline and checked when it is deployed. */
  fingerprint: string;
  seed?: number;
  /** Maximum epochs; early stopping usually ends sooner. */
  epochs?: number;
  /** Share of rows held out (stratified) for early stopping and validation metrics, in (0, 1). */
  validationSplit?: number;
  batchSize?: number;
  learningRate?: number;
  /** Epochs without a validation-loss improvement of at least `minDelta` before stopping. */
  patience?: number;
  minDelta?: number;
  network?: Partial<NetworkSpec>;
  /** Per feature: force `identity` or `slog1p`; by default chosen from the data. */
  transforms?: Readonly<Record<string, FeatureTransform | 'auto'>>;
  clip?: number;
  /** Default thresholds stored in the pipeline. */
  thresholds?: Thresholds;
  /** `weights` (default): each class weighs the same in the loss in total; `none`: raw frequencies. */
  classBalance?: 'weights' | 'none';
  onEpoch?: (epoch: number, logs: EpochLogs) => void;
}

const EPSILON = 1e-7;

export async function trainModel(options: TrainOptions): Promise<ModelPipeline> {
  const started = performance.now();
  checkTrainingInput(options);
  const seed = options.seed ?? 42;
  const maxEpochs = options.epochs ?? 60;
  const batchSize = options.batchSize ?? 64;
  const learningRate = options.learningRate ?? 0.003;
  const patience = options.patience ?? 6;
  const minDelta = options.minDelta ?? 1e-4;
  const network: NetworkSpec = { ...DEFAULT_NETWORK, ...options.network };
  const thresholds = validateThresholds(options.thresholds ?? DEFAULT_THRESHOLDS);
  const backend = await ensureBackend();

  const random = seededRandom(seed);
  const split = stratifiedSplit(options.labels, options.families, options.validationSplit ?? 0.2, random);
  const pick = (indices: number[]) => indices.map((i) => options.rows[i] as readonly number[]);
  const trainRows = pick(split.train);
  const trainLabels = split.train.map((i) => options.labels[i] as number);
  const valLabels = split.validation.map((i) => options.labels[i] as number);
  const positives = trainLabels.filter((y) => y === 1).length;
  const negatives = trainLabels.length - positives;
  if (positives === 0 || negatives === 0 || split.validation.length === 0) {
    throw new ModelError(
      'WEIR_MODEL_TRAINING',
      `the split left ${positives} bots and ${negatives} humans to train on and ${split.validation.length} rows to validate: need both classes and a validation set`,
    );
  }
  const classWeights =
    (options.classBalance ?? 'weights') === 'weights'
      ? { human: trainLabels.length / (2 * negatives), bot: trainLabels.length / (2 * positives) }
      : { human: 1, bot: 1 };

  const preprocessing = fitPreprocessing(options.names, trainRows, {
    ...(options.transforms ? { transforms: options.transforms } : {}),
    ...(options.clip !== undefined ? { clip: options.clip } : {}),
  });
  const width = options.names.length;
  const xTrain = standardiseRows(preprocessing, trainRows);
  const xValData = standardiseRows(preprocessing, pick(split.validation));
  const weightOf = (y: number) => (y === 1 ? classWeights.bot : classWeights.human);

  const model = buildNetwork(width, network, seed);
  const optimizer = tf.train.adam(learningRate);
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const kernels = variables.filter((v) => v.shape.length === 2);
  const xVal = tf.tensor2d(xValData, [valLabels.length, width]);
  const yVal = tf.tensor1d(valLabels, 'float32');
  const wVal = tf.tensor1d(valLabels.map(weightOf), 'float32');
  let best: { loss: number; epoch: number; weights: tf.Tensor[] } | null = null;
  let epochsRun = 0;
  let stoppedEarly = false;

  // No tidy inside: under optimizer.minimize the gradient tape must see every intermediate; callers tidy.
  const weightedLoss = (x: tf.Tensor, y: tf.Tensor, w: tf.Tensor, training: boolean): tf.Scalar => {
    const output = model.apply(x, { training }) as tf.Tensor;
    const p = output.reshape([-1]).clipByValue(EPSILON, 1 - EPSILON);
    const crossEntropy = y.mul(p.log()).add(tf.scalar(1).sub(y).mul(tf.scalar(1).sub(p).log())).neg();
    return crossEntropy.mul(w).mean() as tf.Scalar;
  };

  try {
    for (let epoch = 1; epoch <= maxEpochs; epoch++) {
      const epochStarted = performance.now();
      const order = permutation(trainRows.length, random);
      let lossSum = 0;
      let batches = 0;
      for (let start = 0; start < order.length; start += batchSize) {
        const batch = order.slice(start, start + batchSize);
        const xb = new Float32Array(batch.length * width);
        batch.forEach((row, k) => xb.set(xTrain.subarray(row * width, (row + 1) * width), k * width));
        const labelsOfBatch = batch.map((row) => trainLabels[row] as number);
        const cost = tf.tidy((): tf.Scalar => {
          const x = tf.tensor2d(xb, [batch.length, width]);
          const y = tf.tensor1d(labelsOfBatch, 'float32');
          const w = tf.tensor1d(labelsOfBatch.map(weightOf), 'float32');
          const c = optimizer.minimize(
            () => {
              const data = weightedLoss(x, y, w, true);
              if (network.l2 <= 0) return data;
              return data.add(tf.addN(kernels.map((k) => k.square().sum())).mul(network.l2)) as tf.Scalar;
            },
            true,
            variables,
          );
          return c ?? tf.scalar(Number.NaN);
        });
        lossSum += cost.dataSync()[0] as number;
        cost.dispose();
        batches++;
      }
      const valLossTensor = tf.tidy(() => weightedLoss(xVal, yVal, wVal, false));
      const valLoss = valLossTensor.dataSync()[0] as number;
      valLossTensor.dispose();
      const valAuc = rocAuc(predictStandardised(forwardOf(model), xValData, width), valLabels);
      epochsRun = epoch;
      const improved = best === null || valLoss < best.loss - minDelta;
      if (improved) {
        best?.weights.forEach((t) => t.dispose());
        best = { loss: valLoss, epoch, weights: model.getWeights().map((t) => t.clone()) };
      }
      options.onEpoch?.(epoch, {
        epoch,
        epochs: maxEpochs,
        loss: lossSum / Math.max(1, batches),
        valLoss,
        valAuc,
        best: improved,
        elapsedMs: performance.now() - epochStarted,
      });
      if (best !== null && epoch - best.epoch >= patience) {
        stoppedEarly = epoch < maxEpochs;
        break;
      }
      // Let timers and I/O (progress output, a store's poll) run between epochs.
      await new Promise((resolve) => setImmediate(resolve));
    }
    if (best === null) throw new ModelError('WEIR_MODEL_TRAINING', 'no epoch was run (epochs must be ≥ 1)');
    model.setWeights(best.weights);

    const valScores = predictStandardised(forwardOf(model), xValData, width);
    const artifacts = await networkArtifactsOf(model);
    const valFamilies = options.families ? split.validation.map((i) => options.families?.[i] ?? null) : undefined;
    const training: TrainingSummary = {
      rows: options.rows.length,
      positives: options.labels.filter((y) => y === 1).length,
      negatives: options.labels.filter((y) => y !== 1).length,
      trainRows: trainRows.length,
      validationRows: valLabels.length,
      families: options.families ? countFamilies(options.families) : null,
      classWeights,
      seed,
      epochsRun,
      bestEpoch: best.epoch,
      stoppedEarly,
      network,
      learningRate,
      batchSize,
      backend,
      durationMs: Math.round(performance.now() - started),
    };
    return await ModelPipeline.create(
      {
        created: new Date().toISOString(),
        fingerprint: options.fingerprint,
        features: preprocessing.features,
        clip: preprocessing.clip,
        thresholds,
        training,
        validation: validationSummary(valScores, valLabels, valFamilies, thresholds, best.loss),
      },
      artifacts,
    );
  } finally {
    best?.weights.forEach((t) => t.dispose());
    tf.dispose([xVal, yVal, wVal]);
    optimizer.dispose();
    model.dispose();
  }
}

function validationSummary(
  scores: Float64Array,
  labels: readonly number[],
  families: readonly (string | null)[] | undefined,
  thresholds: Thresholds,
  loss: number,
): ValidationSummary {
  const e = evaluateScores(scores, labels, { thresholds, ...(families ? { families } : {}), maxCurvePoints: 2 });
  const recallByFamily = e.families
    ? Object.fromEntries(e.families.filter((f) => f.recall !== null).map((f) => [f.family, f.recall as number]))
    : null;
  return {
    rows: e.rows,
    positives: e.positives,
    loss,
    rocAuc: e.rocAuc,
    prAuc: e.prAuc,
    threshold: e.decisionThreshold,
    accuracy: e.classification.accuracy,
    precision: e.classification.bot.precision,
    recall: e.classification.bot.recall,
    f1: e.classification.bot.f1,
    macroF1: e.classification.macro.f1,
    flaggedHumanShare: e.flaggedHumanShare,
    recallByFamily,
  };
}

function countFamilies(families: readonly (string | null)[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const family of families) if (family !== null) counts[family] = (counts[family] ?? 0) + 1;
  return counts;
}

function checkTrainingInput(o: TrainOptions): void {
  const fail = (why: string): never => {
    throw new ModelError('WEIR_MODEL_TRAINING', why);
  };
  if (o.names.length === 0) fail('no feature names');
  if (new Set(o.names).size !== o.names.length) fail('feature names must be unique');
  if (o.rows.length !== o.labels.length) fail(`${o.rows.length} rows but ${o.labels.length} labels`);
  if (o.families && o.families.length !== o.rows.length) fail(`${o.rows.length} rows but ${o.families.length} families`);
  o.rows.forEach((row, i) => {
    if (row.length !== o.names.length) fail(`row ${i} has ${row.length} values for ${o.names.length} names`);
  });
  o.labels.forEach((y, i) => {
    if (y !== 0 && y !== 1) fail(`label ${i} is ${y}; labels must be 0 (human) or 1 (bot)`);
  });
  const share = o.validationSplit ?? 0.2;
  if (!(share > 0 && share < 1)) fail(`validationSplit must be in (0, 1), got ${share}`);
  if (o.epochs !== undefined && !(Number.isInteger(o.epochs) && o.epochs >= 1)) fail('epochs must be an integer ≥ 1');
  if (o.batchSize !== undefined && !(Number.isInteger(o.batchSize) && o.batchSize >= 1)) fail('batchSize must be an integer ≥ 1');
  if (o.fingerprint === '') fail('a feature-registry fingerprint is required');
}

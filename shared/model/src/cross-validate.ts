/**
 * Training by K-fold cross-validation, for a few hundred labelled sessions as for a million:
 *
 * 1. Rows (one per session, so no session spans two folds) are dealt into K folds, stratified by
 *    label and family, or cut into K consecutive blocks of session start time (`by: 'time'`).
 * 2. For every fold and every candidate family, preprocessing is fitted on the other folds, the
 *    model is trained on them, and its scores on the held-out fold are kept after every
 *    checkpoint iteration: out-of-fold (OOF) scores for every row.
 * 3. Per family, the iteration count with the lowest pooled OOF log loss is its early-stopping
 *    point; the family with the lowest calibrated OOF log loss wins (a proper scoring rule, blind
 *    to any threshold).
 * 4. Platt calibration is fitted on the winner's OOF scores, and the thresholds are chosen on the
 *    calibrated OOF scores for the stated target (max F1, or a cap on the share of humans flagged:
 *    then `suspicious` is the capped threshold and `bot` at least 0.5).
 * 5. The final model is trained on every row for the chosen iterations, with nothing held out.
 *
 * The pooled OOF metrics are what the model's quality is reported as. They reuse the rows that
 * chose the iterations and the thresholds, so they lean slightly optimistic; a held-out set or
 * `weir evaluate` on other data is the unbiased check.
 */
import { activeBackend } from './backend.js';
import { applyCalibration, expectedCalibrationError, fitPlatt, reliabilityBins, type Calibration } from './calibration.js';
import { ModelError } from './errors.js';
import { DEFAULT_FAMILY_SETTINGS, FAMILY_REASONS, fitFamily, maxIterations, type FamilySettings } from './families.js';
import type { ModelFamily, ValidationSummary } from './manifest.js';
import { ModelPipeline } from './pipeline.js';
import { fitPreprocessing, standardiseRows, type FeatureTransform } from './preprocess.js';
import { shuffleInPlace, seededRandom } from './random.js';
import { evaluateScores } from './score-evaluation.js';
import type { Thresholds } from './types.js';

export type FoldBy = 'session' | 'time';

/** What the thresholds are chosen for, on calibrated out-of-fold scores. */
export type ThresholdTarget = { kind: 'max-f1' } | { kind: 'max-human-flag-rate'; rate: number };

export interface CrossValidatedTrainOptions {
  names: readonly string[];
  rows: readonly (readonly number[])[];
  labels: readonly number[];
  families?: readonly (string | null)[];
  /** Per row, its session start (ms): needed for `by: 'time'`. */
  times?: readonly number[];
  fingerprint: string;
  folds: number;
  by?: FoldBy;
  /** Families to choose among (default: all). */
  candidates?: readonly ModelFamily[];
  target?: ThresholdTarget;
  seed?: number;
  settings?: Partial<FamilySettings>;
  transforms?: Readonly<Record<string, FeatureTransform | 'auto'>>;
  /** Called once per fold and family trained. */
  onProgress?: (message: string) => void;
}

export interface FamilyResult {
  family: ModelFamily;
  reason: string;
  /** Chosen iteration count (epochs or rounds). */
  iterations: number;
  /** Pooled OOF class-weighted log loss of raw scores at that count. */
  logLoss: number;
  /** Pooled OOF log loss after Platt calibration: what families are compared by. */
  calibratedLogLoss: number;
  rocAuc: number | null;
  prAuc: number | null;
  /** Accuracy, F1 and humans flagged at this family's own thresholds (same target). */
  accuracy: number;
  f1: number;
  flaggedHumanShare: number | null;
}

export interface CrossValidationSummary {
  folds: number;
  by: FoldBy;
  target: ThresholdTarget;
  chosen: ModelFamily;
  reason: string;
  familyResults: FamilyResult[];
  thresholds: Thresholds;
  calibration: Calibration;
  /** Pooled OOF figures of the chosen family, calibrated, at the chosen thresholds. */
  pooled: ValidationSummary;
  /** Expected calibration error of the calibrated OOF scores (10 bins). */
  calibrationError: number;
}

export interface CrossValidatedModel {
  pipeline: ModelPipeline;
  summary: CrossValidationSummary;
  /** Calibrated OOF scores of the chosen family, per row: for reliability plots and benchmarks. */
  oofScores: Float64Array;
  /** Fold of every row. */
  foldOf: Int32Array;
}

const CHECKPOINTS = [1, 2, 3, 4, 5, 6, 8, 10, 12, 15, 20, 25, 30, 40, 50, 60, 80, 100, 125, 150, 200, 250, 300, 400, 500];

/** Fold of each row: stratified by (label, family) dealing, or K blocks of start time. */
export function assignFolds(labels: readonly number[], families: readonly (string | null)[] | undefined, k: number, by: FoldBy, seed: number, times?: readonly number[]): Int32Array {
  const n = labels.length;
  const fold = new Int32Array(n);
  if (by === 'time') {
    if (!times || times.length !== n) throw new ModelError('WEIR_MODEL_TRAINING', 'folds by time need a start time per row');
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => (times[a] as number) - (times[b] as number) || a - b);
    order.forEach((row, rank) => (fold[row] = Math.min(k - 1, Math.floor((rank * k) / n))));
    return fold;
  }
  const random = seededRandom(seed);
  const groups = new Map<string, number[]>();
  labels.forEach((y, i) => {
    const key = `${y}\u0000${families?.[i] ?? ''}`;
    groups.set(key, [...(groups.get(key) ?? []), i]);
  });
  // One running offset over groups, so small groups do not all start at fold 0.
  let next = 0;
  for (const key of [...groups.keys()].sort()) {
    for (const row of shuffleInPlace(groups.get(key) ?? [], random)) fold[row] = next++ % k;
  }
  return fold;
}

function weightedLogLoss(scores: ArrayLike<number>, labels: readonly number[], weights: readonly number[]): number {
  let sum = 0;
  let total = 0;
  for (let i = 0; i < labels.length; i++) {
    const p = Math.min(1 - 1e-7, Math.max(1e-7, scores[i] as number));
    const w = weights[i] as number;
    sum -= w * (labels[i] === 1 ? Math.log(p) : Math.log(1 - p));
    total += w;
  }
  return sum / total;
}

/** Thresholds on calibrated scores for the target; `suspicious` ≤ `bot`. */
export function chooseThresholds(scores: ArrayLike<number>, labels: readonly number[], target: ThresholdTarget): Thresholds {
  const order = Array.from({ length: labels.length }, (_, i) => i).sort((a, b) => (scores[b] as number) - (scores[a] as number));
  const positives = labels.filter((y) => y === 1).length;
  const negatives = labels.length - positives;
  let tp = 0;
  let fp = 0;
  let best = { value: -Infinity, threshold: 1 };
  // Walk thresholds from the highest score down; a threshold sits halfway to the next lower score.
  for (let k = 0; k < order.length; k++) {
    const i = order[k] as number;
    if (labels[i] === 1) tp++;
    else fp++;
    const here = scores[i] as number;
    const below = k + 1 < order.length ? (scores[order[k + 1] as number] as number) : 0;
    if (below === here) continue;
    const threshold = (here + below) / 2;
    if (target.kind === 'max-f1') {
      const f1 = tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + (positives - tp));
      if (f1 > best.value) best = { value: f1, threshold };
    } else {
      if (negatives > 0 && fp / negatives > target.rate) break;
      best = { value: tp, threshold };
    }
  }
  const chosen = Math.min(1, Math.max(0, best.threshold));
  // With calibrated scores, 0.5 is even odds. Under max F1, suspicious never sits above it. Under a
  // flag-rate cap, suspicious is the capped threshold (the cap holds for every label but human)
  // and `bot` is never below even odds: calling a session a bot should mean the model thinks it
  // more likely than not, whatever the cap allows.
  if (target.kind === 'max-f1') return { suspicious: Math.min(chosen, 0.5), bot: chosen };
  return { suspicious: chosen, bot: Math.max(chosen, 0.5) };
}

export async function trainCrossValidated(o: CrossValidatedTrainOptions): Promise<CrossValidatedModel> {
  const started = performance.now();
  const n = o.rows.length;
  const k = o.folds;
  const seed = o.seed ?? 42;
  const by = o.by ?? 'session';
  const target = o.target ?? { kind: 'max-f1' };
  const settings: FamilySettings = { ...DEFAULT_FAMILY_SETTINGS, ...o.settings };
  const candidates = o.candidates ?? (['logistic', 'mlp', 'trees'] as const);
  if (!(Number.isInteger(k) && k >= 2)) throw new ModelError('WEIR_MODEL_TRAINING', `folds must be an integer ≥ 2, got ${k}`);
  if (o.labels.length !== n) throw new ModelError('WEIR_MODEL_TRAINING', `${n} rows but ${o.labels.length} labels`);
  const positives = o.labels.filter((y) => y === 1).length;
  if (positives < k || n - positives < k) {
    throw new ModelError('WEIR_MODEL_TRAINING', `${positives} bots and ${n - positives} humans: ${k}-fold cross-validation needs at least ${k} of each`);
  }
  const classWeight = { human: n / (2 * (n - positives)), bot: n / (2 * positives) };
  const weights = o.labels.map((y) => (y === 1 ? classWeight.bot : classWeight.human));
  const foldOf = assignFolds(o.labels, o.families, k, by, seed, o.times);

  // oof[family][checkpoint] = scores of every row from the model that did not see it.
  const oof = new Map<ModelFamily, Map<number, Float64Array>>();
  for (const family of candidates) oof.set(family, new Map());
  for (let f = 0; f < k; f++) {
    const trainIdx: number[] = [];
    const valIdx: number[] = [];
    for (let i = 0; i < n; i++) (foldOf[i] === f ? valIdx : trainIdx).push(i);
    const trainLabels = trainIdx.map((i) => o.labels[i] as number);
    if (valIdx.length === 0 || !trainLabels.includes(1) || !trainLabels.includes(0)) {
      throw new ModelError('WEIR_MODEL_TRAINING', `fold ${f + 1} of ${k} leaves a class out of training or nothing to validate: use fewer folds`);
    }
    const pre = fitPreprocessing(o.names, trainIdx.map((i) => o.rows[i] as readonly number[]), o.transforms ? { transforms: o.transforms } : {});
    const x = standardiseRows(pre, trainIdx.map((i) => o.rows[i] as readonly number[]));
    const xVal = standardiseRows(pre, valIdx.map((i) => o.rows[i] as readonly number[]));
    for (const family of candidates) {
      const byCheckpoint = oof.get(family) as Map<number, Float64Array>;
      const iterations = maxIterations(family, trainIdx.length, settings);
      const t0 = performance.now();
      await fitFamily(
        family,
        {
          x,
          width: o.names.length,
          labels: trainLabels,
          weights: trainIdx.map((i) => weights[i] as number),
          iterations,
          seed: seed + f,
          evalSets: [xVal],
          onIteration: (iteration, [scores]) => {
            if (!CHECKPOINTS.includes(iteration) && iteration !== iterations) return;
            let pooled = byCheckpoint.get(iteration);
            if (!pooled) byCheckpoint.set(iteration, (pooled = new Float64Array(n).fill(Number.NaN)));
            valIdx.forEach((row, j) => ((pooled as Float64Array)[row] = (scores as Float64Array)[j] as number));
          },
        },
        settings,
      );
      o.onProgress?.(`fold ${f + 1}/${k}: ${family} (${iterations} iterations) ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    }
  }

  const results: (FamilyResult & { scores: Float64Array; calibration: Calibration; thresholds: Thresholds })[] = [];
  for (const family of candidates) {
    let best: { iterations: number; loss: number; scores: Float64Array } | null = null;
    for (const [iterations, scores] of [...(oof.get(family) as Map<number, Float64Array>)].sort((a, b) => a[0] - b[0])) {
      if (scores.some((s) => Number.isNaN(s))) continue;
      const loss = weightedLogLoss(scores, o.labels, weights);
      if (best === null || loss < best.loss - 1e-6) best = { iterations, loss, scores };
    }
    if (best === null) throw new ModelError('WEIR_MODEL_TRAINING', `no out-of-fold scores for ${family}`);
    const calibration = fitPlatt(best.scores, o.labels);
    const calibrated = applyCalibration(calibration, best.scores);
    const thresholds = chooseThresholds(calibrated, o.labels, target);
    const e = evaluateScores(calibrated, o.labels, { thresholds, maxCurvePoints: 2 });
    results.push({
      family,
      reason: FAMILY_REASONS[family],
      iterations: best.iterations,
      logLoss: best.loss,
      calibratedLogLoss: weightedLogLoss(calibrated, o.labels, o.labels.map(() => 1)),
      rocAuc: e.rocAuc,
      prAuc: e.prAuc,
      accuracy: e.classification.accuracy,
      f1: e.classification.bot.f1,
      flaggedHumanShare: e.flaggedHumanShare,
      scores: calibrated,
      calibration,
      thresholds,
    });
  }
  const winner = results.reduce((a, b) => (b.calibratedLogLoss < a.calibratedLogLoss - 1e-9 ? b : a));
  const pooledEval = evaluateScores(winner.scores, o.labels, {
    thresholds: winner.thresholds,
    ...(o.families ? { families: o.families } : {}),
    maxCurvePoints: 2,
  });
  const pooled: ValidationSummary = {
    rows: n,
    positives,
    loss: winner.calibratedLogLoss,
    rocAuc: pooledEval.rocAuc,
    prAuc: pooledEval.prAuc,
    threshold: winner.thresholds.bot,
    accuracy: pooledEval.classification.accuracy,
    precision: pooledEval.classification.bot.precision,
    recall: pooledEval.classification.bot.recall,
    f1: pooledEval.classification.bot.f1,
    macroF1: pooledEval.classification.macro.f1,
    flaggedHumanShare: pooledEval.flaggedHumanShare,
    recallByFamily: pooledEval.families
      ? Object.fromEntries(pooledEval.families.filter((f) => f.recall !== null).map((f) => [f.family, f.recall as number]))
      : null,
  };
  const summary: CrossValidationSummary = {
    folds: k,
    by,
    target,
    chosen: winner.family,
    reason: `${winner.reason}; lowest calibrated out-of-fold log loss (${winner.calibratedLogLoss.toFixed(4)})`,
    familyResults: results.map(({ scores: _s, calibration: _c, thresholds: _t, ...rest }) => rest),
    thresholds: winner.thresholds,
    calibration: winner.calibration,
    pooled,
    calibrationError: expectedCalibrationError(reliabilityBins(winner.scores, o.labels)),
  };

  o.onProgress?.(`final fit: ${winner.family}, ${winner.iterations} iterations on all ${n} rows`);
  const pre = fitPreprocessing(o.names, o.rows, o.transforms ? { transforms: o.transforms } : {});
  const artifacts = await fitFamily(
    winner.family,
    { x: standardiseRows(pre, o.rows), width: o.names.length, labels: o.labels, weights, iterations: winner.iterations, seed },
    settings,
  );
  const familyCounts: Record<string, number> = {};
  for (const family of o.families ?? []) if (family !== null) familyCounts[family] = (familyCounts[family] ?? 0) + 1;
  const pipeline = await ModelPipeline.create(
    {
      created: new Date().toISOString(),
      fingerprint: o.fingerprint,
      features: pre.features,
      clip: pre.clip,
      thresholds: winner.thresholds,
      family: winner.family,
      calibration: winner.calibration,
      crossValidation: summary,
      training: {
        rows: n,
        positives,
        negatives: n - positives,
        trainRows: n,
        validationRows: 0,
        families: o.families ? familyCounts : null,
        classWeights: classWeight,
        seed,
        epochsRun: winner.iterations,
        bestEpoch: winner.iterations,
        stoppedEarly: false,
        network: { hidden: winner.family === 'mlp' ? [32, 16] : [], l2: settings.l2 },
        learningRate: 0,
        batchSize: n <= settings.fullBatchRows ? n : settings.batchSize,
        backend: winner.family === 'trees' ? 'js' : activeBackend() ?? 'unknown',
        durationMs: Math.round(performance.now() - started),
      },
      validation: pooled,
    },
    artifacts,
  );
  return { pipeline, summary, oofScores: winner.scores, foldOf };
}

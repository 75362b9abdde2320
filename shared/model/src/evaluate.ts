/**
 * Evaluating a pipeline on labelled rows: every score metric, plus permutation feature importance —
 * how much ROC AUC drops when one feature's column is shuffled across rows (and how much scores move,
 * which still says something when AUC is undefined). Measured on the evaluation set, so it reflects
 * what the model relies on for data it did not train on.
 */
import { ModelError } from './errors.js';
import { rocAuc } from './metrics.js';
import type { ModelPipeline } from './pipeline.js';
import { permutation, seededRandom } from './random.js';
import { evaluateScores, type ScoreEvaluation } from './score-evaluation.js';
import type { ModelInput, Thresholds } from './types.js';

export interface FeatureImportance {
  feature: string;
  /** ROC AUC with the column intact minus with it shuffled; null when AUC is undefined (one class). */
  aucDrop: number | null;
  /** Mean |score change| when the column is shuffled. */
  meanAbsScoreChange: number;
}

export interface Evaluation extends ScoreEvaluation {
  model: { version: string; fingerprint: string; created: string } | null;
  evaluatedAt: string;
  /** Most important first; null when not computed. */
  featureImportance: FeatureImportance[] | null;
}

export interface EvaluateOptions {
  families?: readonly (string | null)[];
  /** Defaults to the pipeline's thresholds. */
  thresholds?: Thresholds;
  bins?: number;
  maxCurvePoints?: number;
  /** Permutation importance: off with `false`; by default on at most 5000 rows, seed 1. */
  importance?: false | { maxRows?: number; seed?: number };
}

export function evaluateModel(
  pipeline: ModelPipeline,
  input: ModelInput,
  labels: readonly number[],
  options: EvaluateOptions = {},
): Evaluation {
  if (labels.length !== input.rows.length) {
    throw new ModelError('WEIR_MODEL_INPUT', `${input.rows.length} rows but ${labels.length} labels`);
  }
  const rows = pipeline.align(input);
  const scores = pipeline.scoreBatch(rows);
  const evaluation = evaluateScores(scores, labels, {
    thresholds: options.thresholds ?? pipeline.thresholds,
    ...(options.families ? { families: options.families } : {}),
    ...(options.bins !== undefined ? { bins: options.bins } : {}),
    ...(options.maxCurvePoints !== undefined ? { maxCurvePoints: options.maxCurvePoints } : {}),
  });
  const importance =
    options.importance === false || rows.length === 0
      ? null
      : permutationImportance(pipeline, rows, labels, options.importance?.maxRows ?? 5000, options.importance?.seed ?? 1);
  return {
    ...evaluation,
    model: { version: pipeline.version, fingerprint: pipeline.fingerprint, created: pipeline.manifest.created },
    evaluatedAt: new Date().toISOString(),
    featureImportance: importance,
  };
}

export function permutationImportance(
  pipeline: ModelPipeline,
  rows: readonly (readonly number[])[],
  labels: readonly number[],
  maxRows: number,
  seed: number,
): FeatureImportance[] {
  const random = seededRandom(seed);
  // A seeded subset keeps the cost at features × maxRows forward passes on large evaluation sets.
  const picked = rows.length <= maxRows ? rows.map((_, i) => i) : permutation(rows.length, random).slice(0, maxRows);
  const sampleRows = picked.map((i) => rows[i] as readonly number[]);
  const sampleLabels = picked.map((i) => labels[i] as number);
  const width = pipeline.featureNames.length;
  const data = pipeline.preprocess(sampleRows);
  const base = pipeline.scoreStandardised(data);
  const baseAuc = rocAuc(base, sampleLabels);
  const shuffled = new Float32Array(data.length);
  const result = pipeline.featureNames.map((feature, column) => {
    shuffled.set(data);
    const order = permutation(sampleRows.length, random);
    for (let r = 0; r < sampleRows.length; r++) shuffled[r * width + column] = data[(order[r] as number) * width + column] as number;
    const scores = pipeline.scoreStandardised(shuffled);
    let change = 0;
    for (let r = 0; r < scores.length; r++) change += Math.abs((scores[r] as number) - (base[r] as number));
    const auc = baseAuc === null ? null : rocAuc(scores, sampleLabels);
    return {
      feature,
      aucDrop: baseAuc === null || auc === null ? null : baseAuc - auc,
      meanAbsScoreChange: change / Math.max(1, scores.length),
    };
  });
  return result.sort((a, b) => (b.aucDrop ?? 0) - (a.aucDrop ?? 0) || b.meanAbsScoreChange - a.meanAbsScoreChange);
}

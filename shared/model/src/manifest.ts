/**
 * `pipeline.json`: everything about a saved pipeline except the network's own files — its version,
 * when it was made, the features it reads and how, the feature-registry fingerprint it was trained
 * against, default thresholds, and what it was trained and validated on.
 */
import type { Calibration } from './calibration.js';
import { ModelError } from './errors.js';
import type { NetworkSpec } from './network.js';
import type { FeaturePreprocessing, FeatureTransform, Preprocessing } from './preprocess.js';
import type { Thresholds } from './types.js';

/** /2 added the model family (trees are saved as trees.json), calibration and cross-validation; /1 pipelines still load. */
export const PIPELINE_FORMAT = 'weir-model-pipeline/2';
const READABLE_FORMATS = new Set(['weir-model-pipeline/1', PIPELINE_FORMAT]);

/** What scores the standardised rows; see families.ts for why each is offered. */
export type ModelFamily = 'logistic' | 'mlp' | 'trees';
export const MODEL_FAMILIES: readonly ModelFamily[] = ['logistic', 'mlp', 'trees'];
export const PIPELINE_JSON = 'pipeline.json';

export interface TrainingSummary {
  rows: number;
  positives: number;
  negatives: number;
  trainRows: number;
  validationRows: number;
  /** Rows per family, when families were given. */
  families: Record<string, number> | null;
  /** Loss weight per class, so each class counts as much as the other in total. */
  classWeights: { human: number; bot: number };
  seed: number;
  epochsRun: number;
  /** The epoch (1-based) whose weights were kept: lowest validation loss. */
  bestEpoch: number;
  stoppedEarly: boolean;
  network: NetworkSpec;
  learningRate: number;
  batchSize: number;
  backend: string;
  durationMs: number;
}

/** Validation-split figures kept with the model so a data scientist can judge it without re-running. */
export interface ValidationSummary {
  rows: number;
  positives: number;
  /** Class-weighted binary cross-entropy at the kept epoch. */
  loss: number;
  rocAuc: number | null;
  prAuc: number | null;
  /** The rest are at the `bot` threshold. */
  threshold: number;
  accuracy: number;
  precision: number;
  recall: number;
  f1: number;
  macroF1: number;
  /** Share of humans scored at least `suspicious`. */
  flaggedHumanShare: number | null;
  recallByFamily: Record<string, number> | null;
}

export interface PipelineManifest {
  format: string;
  /** Content hash of what determines the score (see version.ts). */
  version: string;
  /** ISO-8601 time the pipeline was built. */
  created: string;
  /** Fingerprint of the feature registry whose features the model reads, as passed by the trainer. */
  fingerprint: string;
  /** In input order. */
  features: FeaturePreprocessing[];
  clip: number;
  thresholds: Thresholds;
  /** Absent in /1 pipelines: an MLP. */
  family?: ModelFamily;
  /** Maps the model's raw score to a probability; absent or null: raw scores. */
  calibration?: Calibration | null;
  /** Out-of-fold figures behind the family, iterations, calibration and thresholds, when trained with --cv. */
  crossValidation?: object | null;
  training: TrainingSummary | null;
  validation: ValidationSummary | null;
}

export function preprocessingOf(manifest: Pick<PipelineManifest, 'features' | 'clip'>): Preprocessing {
  return { features: manifest.features, clip: manifest.clip };
}

const TRANSFORMS: readonly FeatureTransform[] = ['identity', 'slog1p'];

/** Parses and checks `pipeline.json`; the informational `training`/`validation` parts are only checked to be objects. */
export function parseManifest(text: string, location: string): PipelineManifest {
  const fail = (why: string): never => {
    throw new ModelError('WEIR_MODEL_FORMAT', `${PIPELINE_JSON} in ${location}: ${why}`);
  };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new ModelError('WEIR_MODEL_FORMAT', `${PIPELINE_JSON} in ${location} is not JSON`, { cause: err });
  }
  if (typeof parsed !== 'object' || parsed === null) return fail('not an object');
  const m = parsed as Record<string, unknown>;
  if (typeof m.format !== 'string' || !READABLE_FORMATS.has(m.format)) return fail(`format is ${JSON.stringify(m.format)}, expected "${PIPELINE_FORMAT}"`);
  if (m.family !== undefined && !MODEL_FAMILIES.includes(m.family as ModelFamily)) fail(`"family" must be one of ${MODEL_FAMILIES.join(', ')}`);
  if (m.calibration !== undefined && m.calibration !== null) {
    const c = m.calibration as Partial<Calibration>;
    if (c.method !== 'platt' || !Number.isFinite(c.a) || !Number.isFinite(c.b)) fail('"calibration" must be {method: "platt", a, b} or null');
  }
  for (const key of ['version', 'created', 'fingerprint'] as const) {
    if (typeof m[key] !== 'string') fail(`"${key}" must be a string`);
  }
  if (typeof m.clip !== 'number' || !(m.clip > 0)) fail('"clip" must be a positive number');
  const thresholds = m.thresholds as Partial<Thresholds> | null | undefined;
  if (typeof thresholds?.suspicious !== 'number' || typeof thresholds.bot !== 'number') {
    fail('"thresholds" must hold numbers "suspicious" and "bot"');
  }
  if (!Array.isArray(m.features) || m.features.length === 0) return fail('"features" must be a non-empty array');
  const names = new Set<string>();
  for (const [i, f] of (m.features as unknown[]).entries()) {
    const feature = f as Partial<FeaturePreprocessing> | null;
    const ok =
      typeof feature?.name === 'string' &&
      TRANSFORMS.includes(feature.transform as FeatureTransform) &&
      typeof feature.mean === 'number' &&
      typeof feature.std === 'number' &&
      feature.std > 0;
    if (!ok) fail(`features[${i}] must be {name, transform (${TRANSFORMS.join('|')}), mean, std > 0}`);
    const name = (feature as FeaturePreprocessing).name;
    if (names.has(name)) fail(`feature "${name}" appears twice`);
    names.add(name);
  }
  for (const key of ['training', 'validation'] as const) {
    if (m[key] !== null && typeof m[key] !== 'object') fail(`"${key}" must be an object or null`);
  }
  return parsed as PipelineManifest;
}

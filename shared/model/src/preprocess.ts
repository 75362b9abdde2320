/**
 * The pipeline's first stage: raw feature rows → the standardised float matrix the network reads.
 * Per feature, in order: an optional signed log1p (for heavy-tailed counts and rates), then
 * (v − mean) / std with mean and std from the training rows, then clamping to ±clip. A value that
 * is missing, NaN or ±Infinity becomes 0 — the training mean — because in feature code it means
 * "not measurable" (an empty session, a division by zero), not extreme evidence.
 */
import { ModelError } from './errors.js';

export type FeatureTransform = 'identity' | 'slog1p';

export interface FeaturePreprocessing {
  name: string;
  transform: FeatureTransform;
  /** Mean of the transformed training values. */
  mean: number;
  /** Population standard deviation of the transformed training values (1 when constant). */
  std: number;
}

export interface Preprocessing {
  features: FeaturePreprocessing[];
  /** Standardised values are clamped to ±clip, so one absurd input cannot saturate the network. */
  clip: number;
}

export const DEFAULT_CLIP = 10;

export interface FitPreprocessingOptions {
  /** Per feature name: force a transform; absent or `auto` lets the data decide (see `chooseTransform`). */
  transforms?: Readonly<Record<string, FeatureTransform | 'auto'>>;
  clip?: number;
}

export function slog1p(x: number): number {
  return Math.sign(x) * Math.log1p(Math.abs(x));
}

export function applyTransform(transform: FeatureTransform, x: number): number {
  return transform === 'slog1p' ? slog1p(x) : x;
}

/** Learns the per-feature transform, mean and std from training rows (columns in `names` order). */
export function fitPreprocessing(
  names: readonly string[],
  rows: readonly (readonly number[])[],
  options: FitPreprocessingOptions = {},
): Preprocessing {
  const clip = options.clip ?? DEFAULT_CLIP;
  if (!(clip > 0)) throw new ModelError('WEIR_MODEL_TRAINING', `clip must be positive, got ${clip}`);
  const features = names.map((name, column) => {
    const raw = finiteColumn(rows, column);
    const requested = options.transforms?.[name] ?? 'auto';
    const transform = requested === 'auto' ? chooseTransform(raw) : requested;
    const values = raw.map((x) => applyTransform(transform, x));
    const { mean, std } = meanStd(values);
    return { name, transform, mean, std: std > 1e-12 ? std : 1 };
  });
  return { features, clip };
}

/**
 * Signed log1p when the raw values are heavy-tailed (|skewness| > 1 or excess kurtosis > 6) and the
 * transform makes them less so. Deterministic, and blind to feature names by design.
 */
export function chooseTransform(values: readonly number[]): FeatureTransform {
  const raw = tailedness(values);
  if (raw <= 1) return 'identity';
  return tailedness(values.map(slog1p)) < raw ? 'slog1p' : 'identity';
}

function tailedness(values: readonly number[]): number {
  const n = values.length;
  if (n < 3) return 0;
  const { mean, std } = meanStd(values);
  if (std <= 1e-12) return 0;
  let m3 = 0;
  let m4 = 0;
  for (const v of values) {
    const z = (v - mean) / std;
    m3 += z * z * z;
    m4 += z * z * z * z;
  }
  return Math.max(Math.abs(m3 / n), (m4 / n - 3) / 6);
}

function meanStd(values: readonly number[]): { mean: number; std: number } {
  if (values.length === 0) return { mean: 0, std: 1 };
  let sum = 0;
  for (const v of values) sum += v;
  const mean = sum / values.length;
  let squares = 0;
  for (const v of values) squares += (v - mean) * (v - mean);
  return { mean, std: Math.sqrt(squares / values.length) };
}

function finiteColumn(rows: readonly (readonly number[])[], column: number): number[] {
  const out: number[] = [];
  for (const row of rows) {
    const x = row[column];
    if (x !== undefined && Number.isFinite(x)) out.push(x);
  }
  return out;
}

/** One raw value → its standardised, clamped form. */
export function standardiseValue(feature: FeaturePreprocessing, clip: number, x: number | undefined): number {
  if (x === undefined || !Number.isFinite(x)) return 0;
  const z = (applyTransform(feature.transform, x) - feature.mean) / feature.std;
  if (!Number.isFinite(z)) return 0;
  return z > clip ? clip : z < -clip ? -clip : z;
}

/**
 * Rows → one row-major Float32Array (rows × features), ready to become a single tensor.
 * Throws WEIR_MODEL_INPUT for a row of the wrong width: a silent shift of columns would score garbage.
 */
export function standardiseRows(pre: Preprocessing, rows: readonly (readonly number[])[]): Float32Array {
  const width = pre.features.length;
  const out = new Float32Array(rows.length * width);
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r] as readonly number[];
    if (row.length !== width) {
      throw new ModelError('WEIR_MODEL_INPUT', `row ${r} has ${row.length} values, the pipeline expects ${width}`);
    }
    for (let c = 0; c < width; c++) {
      out[r * width + c] = standardiseValue(pre.features[c] as FeaturePreprocessing, pre.clip, row[c]);
    }
  }
  return out;
}

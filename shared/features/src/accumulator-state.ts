/**
 * Accumulator state ↔ a JSON-safe plain object. Only what is set is written: the scalars, the
 * page ring oldest first, the filled KMV slots and the non-empty histogram buckets, so a short
 * session checkpoints in a few hundred bytes. JSON numbers round-trip doubles exactly; the
 * state never holds NaN or ±Infinity, and -0 is written as 0 (it only ever arises as a zero sum).
 */
import {
  HISTOGRAM_BASE,
  HISTOGRAM_BUCKETS,
  KMV_BASE,
  KMV_LEN,
  KMV_SIZE,
  RING_BASE,
  RING_LEN,
  RING_NEXT,
  RING_SIZE,
  SCALARS,
  SessionAccumulator,
} from './accumulator.js';
import { FeatureError } from './errors.js';

export interface AccumulatorSnapshot {
  /** Scalars, in layout order. */
  s: number[];
  /** Page times, oldest first. */
  r: number[];
  /** KMV values, ascending. */
  k: number[];
  /** Histogram as [bucket, count, bucket, count, ...] for non-empty buckets. */
  h: number[];
}

function clean(value: number): number {
  return value === 0 ? 0 : value;
}

export function snapshotAccumulator(acc: SessionAccumulator): AccumulatorSnapshot {
  const s = acc.state;
  const scalars: number[] = [];
  for (let i = 0; i < SCALARS; i++) scalars.push(clean(s[i] as number));
  const ringLength = s[RING_LEN] as number;
  const next = s[RING_NEXT] as number;
  const ring: number[] = [];
  for (let k = ringLength; k > 0; k--) ring.push(s[RING_BASE + ((next - k + RING_SIZE) % RING_SIZE)] as number);
  const kmv: number[] = [];
  for (let i = 0; i < (s[KMV_LEN] as number); i++) kmv.push(s[KMV_BASE + i] as number);
  const histogram: number[] = [];
  for (let b = 0; b < HISTOGRAM_BUCKETS; b++) {
    const count = s[HISTOGRAM_BASE + b] as number;
    if (count !== 0) histogram.push(b, count);
  }
  return { s: scalars, r: ring, k: kmv, h: histogram };
}

function isNumberArray(value: unknown, maxLength: number): value is number[] {
  return Array.isArray(value) && value.length <= maxLength && value.every((v) => typeof v === 'number' && Number.isFinite(v));
}

export function restoreAccumulator(snapshot: AccumulatorSnapshot): SessionAccumulator {
  const { s: scalars, r: ring, k: kmv, h: histogram } = snapshot;
  if (
    !isNumberArray(scalars, SCALARS) ||
    scalars.length !== SCALARS ||
    !isNumberArray(ring, RING_SIZE) ||
    !isNumberArray(kmv, KMV_SIZE) ||
    !isNumberArray(histogram, 2 * HISTOGRAM_BUCKETS) ||
    histogram.length % 2 !== 0
  ) {
    throw new FeatureError('WEIR_FEATURES_SNAPSHOT', 'malformed accumulator snapshot');
  }
  const acc = new SessionAccumulator();
  const s = acc.state;
  s.set(scalars, 0);
  s.set(ring, RING_BASE);
  s[RING_LEN] = ring.length;
  s[RING_NEXT] = ring.length % RING_SIZE;
  s.set(kmv, KMV_BASE);
  s[KMV_LEN] = kmv.length;
  for (let i = 0; i < histogram.length; i += 2) {
    const bucket = histogram[i] as number;
    if (!Number.isInteger(bucket) || bucket < 0 || bucket >= HISTOGRAM_BUCKETS) {
      throw new FeatureError('WEIR_FEATURES_SNAPSHOT', `histogram bucket ${bucket} out of range`);
    }
    s[HISTOGRAM_BASE + bucket] = histogram[i + 1] as number;
  }
  return acc;
}

/**
 * Accumulator state ↔ a JSON-safe plain object. Only what is set is written: the scalars, the
 * page ring oldest first, the filled KMV slots and the non-empty histogram buckets, so a short
 * session checkpoints in a few hundred bytes. JSON numbers round-trip doubles exactly; the
 * state never holds NaN or ±Infinity, and -0 is written as 0 (it only ever arises as a zero sum).
 *
 * The form is the one written before the compact store (logical scalar order, counts as plain
 * numbers), so checkpoints of either layout restore with either code. A snapshot of 44 scalars,
 * written before LOGGED was added, restores with every field logged.
 */
import {
  AccumulatorStore,
  HISTOGRAM_BUCKETS,
  KMV_LEN,
  KMV_SIZE,
  LOGGED,
  LOGGED_ALL,
  RING_LEN,
  RING_NEXT,
  RING_SIZE,
  SCALARS,
  SCALARS_BEFORE_LOGGED,
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
  const { store, slot } = acc;
  const scalars: number[] = [];
  for (let i = 0; i < SCALARS; i++) scalars.push(clean(store.get(slot, i)));
  const ringLength = store.get(slot, RING_LEN);
  const next = store.get(slot, RING_NEXT);
  const ring: number[] = [];
  for (let k = ringLength; k > 0; k--) ring.push(store.ringTime(slot, (next - k + RING_SIZE) % RING_SIZE));
  const kmv: number[] = [];
  for (let i = 0; i < store.get(slot, KMV_LEN); i++) kmv.push(store.kmvValue(slot, i));
  const histogram: number[] = [];
  for (let b = 0; b < HISTOGRAM_BUCKETS; b++) {
    const count = store.bucketCount(slot, b);
    if (count !== 0) histogram.push(b, count);
  }
  return { s: scalars, r: ring, k: kmv, h: histogram };
}

function isNumberArray(value: unknown, maxLength: number): value is number[] {
  return Array.isArray(value) && value.length <= maxLength && value.every((v) => typeof v === 'number' && Number.isFinite(v));
}

function isUint32(value: number): boolean {
  return Number.isInteger(value) && value >= 0 && value <= 0xffffffff;
}

/** The snapshot's session in a slot of `store` (a store of its own when not given). */
export function restoreAccumulator(snapshot: AccumulatorSnapshot, store: AccumulatorStore = new AccumulatorStore()): SessionAccumulator {
  const { s: scalars, r: ring, k: kmv, h: histogram } = snapshot;
  if (
    !isNumberArray(scalars, SCALARS) ||
    (scalars.length !== SCALARS && scalars.length !== SCALARS_BEFORE_LOGGED) ||
    !isNumberArray(ring, RING_SIZE) ||
    !isNumberArray(kmv, KMV_SIZE) ||
    !kmv.every(isUint32) ||
    !isNumberArray(histogram, 2 * HISTOGRAM_BUCKETS) ||
    histogram.length % 2 !== 0
  ) {
    throw new FeatureError('WEIR_FEATURES_SNAPSHOT', 'malformed accumulator snapshot');
  }
  const slot = store.allocate();
  try {
    scalars.forEach((value, field) => store.set(slot, field, value));
    // Written before formats could leave fields out: every field of such a session was logged.
    if (scalars.length === SCALARS_BEFORE_LOGGED) store.set(slot, LOGGED, LOGGED_ALL);
    ring.forEach((time, i) => store.setRingTime(slot, i, time));
    store.set(slot, RING_LEN, ring.length);
    store.set(slot, RING_NEXT, ring.length % RING_SIZE);
    kmv.forEach((value, i) => store.setKmvValue(slot, i, value));
    store.set(slot, KMV_LEN, kmv.length);
    for (let i = 0; i < histogram.length; i += 2) {
      const bucket = histogram[i] as number;
      const count = histogram[i + 1] as number;
      if (!Number.isInteger(bucket) || bucket < 0 || bucket >= HISTOGRAM_BUCKETS) {
        throw new FeatureError('WEIR_FEATURES_SNAPSHOT', `histogram bucket ${bucket} out of range`);
      }
      if (!isUint32(count)) throw new FeatureError('WEIR_FEATURES_SNAPSHOT', `histogram count ${count} is not a 32-bit count`);
      store.setBucketCount(slot, bucket, count);
    }
  } catch (error) {
    store.release(slot);
    throw error;
  }
  return new SessionAccumulator(store, slot);
}

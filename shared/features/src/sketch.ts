/**
 * DDSketch (relative-accuracy quantile sketch) helpers around `@datadog/sketches-js`.
 *
 * The library's own `merge` skips the negative-value store, and `fromProto` drops the count
 * bookkeeping and may rebuild a different store type, so merging and checkpointing go through
 * the bins directly here: a sketch is its zero count plus (key, count) pairs, and re-adding those
 * pairs to a fresh sketch with the same accuracy gives the same quantiles whatever the order.
 *
 * Bounded state: values with |x| below 1e-9 count as zero in the sketch (means and variances are
 * kept exactly elsewhere), so a feature's bins span at most log(max/1e-9)/log(γ) keys — about
 * 2,400 at 1% accuracy for values up to 1e12.
 */
import { FeatureError } from './errors.js';
import { DDSketch } from '@datadog/sketches-js';

export type Sketch = DDSketch;

/** Values closer to zero than this are counted as zero (see above). */
export const SKETCH_ZERO = 1e-9;

export function newSketch(relativeAccuracy: number): Sketch {
  return new DDSketch({ relativeAccuracy });
}

export function sketchAdd(sketch: Sketch, value: number): void {
  sketch.accept(Math.abs(value) < SKETCH_ZERO ? 0 : value);
}

/** (key, count) of every non-empty bin of one store, ascending key. */
function bins(store: Sketch['store']): number[] {
  const pairs: number[] = [];
  const counts = store.bins;
  for (let i = 0; i < counts.length; i++) {
    const count = counts[i] as number;
    if (count > 0) pairs.push(store.offset + i, count);
  }
  return pairs;
}

function addBins(store: Sketch['store'], pairs: readonly number[]): number {
  let total = 0;
  for (let i = 0; i < pairs.length; i += 2) {
    const count = pairs[i + 1] as number;
    store.add(pairs[i] as number, count);
    total += count;
  }
  return total;
}

/** Add everything in `from` to `into` (both stores and the zero count). */
export function sketchMerge(into: Sketch, from: Sketch): void {
  if (into.mapping.gamma !== from.mapping.gamma) throw new FeatureError('WEIR_FEATURES_CONFIG', 'cannot merge sketches of different relative accuracy');
  const added = addBins(into.store, bins(from.store)) + addBins(into.negativeStore, bins(from.negativeStore));
  into.zeroCount += from.zeroCount;
  into.count += added + from.zeroCount;
  into.sum += from.sum;
  if (from.min < into.min) into.min = from.min;
  if (from.max > into.max) into.max = from.max;
}

export interface SketchState {
  /** The sketch's relative accuracy, checked on restore. */
  accuracy: number;
  zero: number;
  /** Positive values' bins as [key, count, key, count, ...]. */
  positive: number[];
  negative: number[];
}

export function sketchState(sketch: Sketch): SketchState {
  return {
    accuracy: sketch.mapping.relativeAccuracy,
    zero: sketch.zeroCount,
    positive: bins(sketch.store),
    negative: bins(sketch.negativeStore),
  };
}

export function sketchFromState(state: SketchState): Sketch {
  const sketch = newSketch(state.accuracy);
  const added = addBins(sketch.store, state.positive) + addBins(sketch.negativeStore, state.negative);
  sketch.zeroCount = state.zero;
  sketch.count = added + state.zero;
  return sketch;
}

/**
 * A copy holding the same bins: the stores' arrays copied whole (the window stage clones every
 * feature's sketch for each running piece; adding the bins one by one was most of that cost).
 */
export function sketchClone(sketch: Sketch): Sketch {
  const copy = newSketch(sketch.mapping.relativeAccuracy);
  copy.store.copy(sketch.store);
  copy.negativeStore.copy(sketch.negativeStore);
  copy.zeroCount = sketch.zeroCount;
  copy.count = sketch.count;
  copy.sum = sketch.sum;
  copy.min = sketch.min;
  copy.max = sketch.max;
  return copy;
}

export function sketchQuantile(sketch: Sketch, quantile: number): number {
  return sketch.getValueAtQuantile(quantile);
}

/**
 * Median absolute deviation from `median`, computed on the sketch's own distribution: every bin
 * stands for `count` values at its representative value, so the MAD is the (lower) weighted
 * median of |value − median| over the bins, with the same rank rule as the sketch's quantiles.
 * Bounded (one pass over the bins), mergeable (derived from a mergeable sketch), and off by at
 * most the sketch's relative accuracy times the magnitude of the values involved.
 */
export function sketchMad(sketch: Sketch, median: number): number {
  if (sketch.count === 0) return Number.NaN;
  const deviations: Array<readonly [number, number]> = [];
  if (sketch.zeroCount > 0) deviations.push([Math.abs(median), sketch.zeroCount]);
  const positive = bins(sketch.store);
  for (let i = 0; i < positive.length; i += 2) {
    deviations.push([Math.abs(sketch.mapping.value(positive[i] as number) - median), positive[i + 1] as number]);
  }
  const negative = bins(sketch.negativeStore);
  for (let i = 0; i < negative.length; i += 2) {
    deviations.push([Math.abs(-sketch.mapping.value(negative[i] as number) - median), negative[i + 1] as number]);
  }
  deviations.sort((a, b) => a[0] - b[0]);
  const rank = 0.5 * (sketch.count - 1);
  let seen = 0;
  for (const [deviation, count] of deviations) {
    seen += count;
    if (seen > rank) return deviation;
  }
  return (deviations[deviations.length - 1] as readonly [number, number])[0];
}

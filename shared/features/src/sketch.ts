/**
 * DDSketch (relative-accuracy quantile sketch), with `@datadog/sketches-js`'s key mapping.
 *
 * The sketch is the library's algorithm (its logarithmic mapping from values to keys, its rank
 * rule for quantiles) on GrowingStore bins (sketch-store.ts): the library's `DenseStore`
 * reallocates its bins on most new low keys, and its `merge` skips the negative-value store and
 * `fromProto` drops the count bookkeeping. A sketch is its zero count plus (key, count) pairs, and
 * re-adding those pairs to a fresh sketch with the same accuracy gives the same quantiles whatever
 * the order; the tests hold it to the library's `DDSketch` fed the same values.
 *
 * Bounded state: values with |x| below 1e-9 count as zero in the sketch (means and variances are
 * kept exactly elsewhere), so a feature's bins span at most log(max/1e-9)/log(γ) keys — about
 * 2,400 at 1% accuracy for values up to 1e12.
 */
// The package's root exports only the sketches; the mapping is public API one level down.
import { LogarithmicMapping } from '@datadog/sketches-js/dist/ddsketch/mapping/index.js';
import { FeatureError } from './errors.js';
import { GrowingStore } from './sketch-store.js';

/** Values closer to zero than this are counted as zero (see above). */
export const SKETCH_ZERO = 1e-9;

/** One mapping per accuracy: immutable, and building one costs logarithms. */
const mappings = new Map<number, LogarithmicMapping>();

function mappingFor(relativeAccuracy: number): LogarithmicMapping {
  let mapping = mappings.get(relativeAccuracy);
  if (!mapping) mappings.set(relativeAccuracy, (mapping = new LogarithmicMapping(relativeAccuracy)));
  return mapping;
}

export class Sketch {
  zeroCount = 0;
  count = 0;
  sum = 0;
  min = Number.POSITIVE_INFINITY;
  max = Number.NEGATIVE_INFINITY;

  constructor(
    readonly mapping: LogarithmicMapping,
    public store = new GrowingStore(),
    public negativeStore = new GrowingStore(),
  ) {}

  accept(value: number): void {
    if (value > this.mapping.minPossible) this.store.add(this.mapping.key(value));
    else if (value < -this.mapping.minPossible) this.negativeStore.add(this.mapping.key(-value));
    else this.zeroCount++;
    this.count++;
    this.sum += value;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
  }

  /** The value at `quantile` (0–1) by the library's rank rule; NaN when empty or out of range. */
  getValueAtQuantile(quantile: number): number {
    if (quantile < 0 || quantile > 1 || this.count === 0) return Number.NaN;
    const rank = quantile * (this.count - 1);
    const negatives = this.negativeStore.count;
    if (rank < negatives) return -this.mapping.value(this.negativeStore.keyAtRank(negatives - rank - 1, false));
    if (rank < this.zeroCount + negatives) return 0;
    return this.mapping.value(this.store.keyAtRank(rank - this.zeroCount - negatives));
  }
}

export function newSketch(relativeAccuracy: number): Sketch {
  return new Sketch(mappingFor(relativeAccuracy));
}

export function sketchAdd(sketch: Sketch, value: number): void {
  sketch.accept(Math.abs(value) < SKETCH_ZERO ? 0 : value);
}

/** (key, count) of every non-empty bin of one store, ascending key. */
function bins(store: GrowingStore): number[] {
  const pairs: number[] = [];
  const counts = store.bins;
  for (let key = store.minKey; key <= store.maxKey; key++) {
    const count = counts[key - store.offset] as number;
    if (count > 0) pairs.push(key, count);
  }
  return pairs;
}

function addBins(store: GrowingStore, pairs: readonly number[]): number {
  if (pairs.length === 0) return 0;
  // Bins for the whole range at once, instead of growing key by key as the pairs ascend.
  let low = pairs[0] as number;
  let high = low;
  for (let i = 2; i < pairs.length; i += 2) {
    const key = pairs[i] as number;
    if (key < low) low = key;
    else if (key > high) high = key;
  }
  store.reserve(low, high);
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
  // Counted before the stores grow: `from` may be `into` itself.
  const added = from.store.count + from.negativeStore.count + from.zeroCount;
  into.store.merge(from.store);
  into.negativeStore.merge(from.negativeStore);
  into.zeroCount += from.zeroCount;
  into.count += added;
  into.sum += from.sum;
  if (from.min < into.min) into.min = from.min;
  if (from.max > into.max) into.max = from.max;
}

/** Add the bins of a sketch in its state form to `into`: what merging `sketchFromState(state)` does. */
export function sketchMergeState(into: Sketch, state: SketchState): void {
  if (into.mapping.gamma !== mappingFor(state.accuracy).gamma) throw new FeatureError('WEIR_FEATURES_CONFIG', 'cannot merge sketches of different relative accuracy');
  const added = addBins(into.store, state.positive) + addBins(into.negativeStore, state.negative);
  into.zeroCount += state.zero;
  into.count += added + state.zero;
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
 * A copy holding the same bins: each store's bins in use copied in one slice (the window stage
 * clones every feature's sketch for each running piece; adding the bins one by one was most of
 * that cost).
 */
export function sketchClone(sketch: Sketch): Sketch {
  const copy = new Sketch(sketch.mapping, sketch.store.clone(), sketch.negativeStore.clone());
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
  // The bins in ascending value (negatives' keys descending, the zero count, positives' keys
  // ascending) as slots 0..size-1. From the first slot at or above the median outwards, both
  // sides' deviations only grow, so merging the two walks visits the deviations in ascending
  // order: the weighted median without collecting and sorting them. Equal deviations may come in
  // another order than a sort's, which changes no running count at which a new value is reached.
  const slots = new BinSlots(sketch);
  const rank = 0.5 * (sketch.count - 1);
  // Empty bins are stepped over before their value is computed: a value costs a power, and a
  // store's keys in use may be mostly empty.
  let right = 0;
  while (right < slots.size && (slots.count(right) === 0 || slots.value(right) < median)) right++;
  let left = right - 1;
  while (left >= 0 && slots.count(left) === 0) left--;
  let rightDeviation = right < slots.size ? Math.abs(slots.value(right) - median) : Number.POSITIVE_INFINITY;
  let leftDeviation = left >= 0 ? Math.abs(slots.value(left) - median) : Number.POSITIVE_INFINITY;
  let seen = 0;
  let largest = Number.NaN;
  while (left >= 0 || right < slots.size) {
    let deviation: number;
    let count: number;
    if (rightDeviation <= leftDeviation) {
      deviation = rightDeviation;
      count = slots.count(right++);
      while (right < slots.size && slots.count(right) === 0) right++;
      rightDeviation = right < slots.size ? Math.abs(slots.value(right) - median) : Number.POSITIVE_INFINITY;
    } else {
      deviation = leftDeviation;
      count = slots.count(left--);
      while (left >= 0 && slots.count(left) === 0) left--;
      leftDeviation = left >= 0 ? Math.abs(slots.value(left) - median) : Number.POSITIVE_INFINITY;
    }
    seen += count;
    if (seen > rank) return deviation;
    largest = deviation;
  }
  return largest;
}

/** A sketch's bins, empty ones included, in ascending order of the values they stand for. */
class BinSlots {
  readonly size: number;
  private readonly negatives: number;
  private readonly zeros: number;

  constructor(private readonly sketch: Sketch) {
    const { store, negativeStore } = sketch;
    this.negatives = negativeStore.count > 0 ? negativeStore.maxKey - negativeStore.minKey + 1 : 0;
    this.zeros = sketch.zeroCount > 0 ? 1 : 0;
    this.size = this.negatives + this.zeros + (store.count > 0 ? store.maxKey - store.minKey + 1 : 0);
  }

  value(slot: number): number {
    if (slot < this.negatives) return -this.sketch.mapping.value(this.sketch.negativeStore.maxKey - slot);
    if (slot < this.negatives + this.zeros) return 0;
    return this.sketch.mapping.value(this.sketch.store.minKey + slot - this.negatives - this.zeros);
  }

  count(slot: number): number {
    if (slot < this.negatives) {
      const store = this.sketch.negativeStore;
      return store.bins[store.maxKey - slot - store.offset] as number;
    }
    if (slot < this.negatives + this.zeros) return this.sketch.zeroCount;
    const store = this.sketch.store;
    return store.bins[store.minKey + slot - this.negatives - this.zeros - store.offset] as number;
  }
}

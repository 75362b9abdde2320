/**
 * The distribution of one feature over many sessions, in bounded, mergeable state: the count,
 * the exact sums of the values and of their squares (exact-sum.ts), exact min and max, and a
 * DDSketch for the median, the quantiles and the MAD. Two aggregates merged describe the union
 * of what each saw, so windows can be built from panes or from several partitions — and every
 * statistic depends on the multiset of values alone: however the values were split, ordered and
 * merged (one window instance, or three whose partials are merged), the stats are bit-identical.
 * (Welford moments merged with Chan's formula are not: their rounding follows the order.)
 */
import type { FeatureAggregateRecord, FeatureStats } from '@weir/contracts';
import { FeatureError } from './errors.js';
import { exactAdd, exactProduct, exactSquareError, exactValue } from './exact-sum.js';
import {
  newSketch,
  sketchAdd,
  sketchClone,
  sketchFromState,
  sketchMad,
  sketchMerge,
  sketchMergeState,
  sketchQuantile,
  sketchState,
  type Sketch,
  type SketchState,
} from './sketch.js';

export const DEFAULT_RELATIVE_ACCURACY = 0.01;
export const DEFAULT_QUANTILES: readonly number[] = [0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99];

export interface FeatureAggregateState {
  n: number;
  /** Exact sum of the values, as non-overlapping partials. */
  sum?: number[];
  /** Exact sum of the squares (each square split exactly into two doubles), as partials. */
  sumSq?: number[];
  /** Welford moments of checkpoints written before the exact sums (read, converted, never written). */
  mean?: number;
  m2?: number;
  /** Null while empty (JSON has no ±Infinity). */
  min: number | null;
  max: number | null;
  sketch: SketchState;
}

export class FeatureAggregate {
  n = 0;
  private sum: number[] = [];
  private sumSq: number[] = [];
  min = Number.POSITIVE_INFINITY;
  max = Number.NEGATIVE_INFINITY;
  readonly sketch: Sketch;

  constructor(relativeAccuracy = DEFAULT_RELATIVE_ACCURACY, sketch?: Sketch) {
    this.sketch = sketch ?? newSketch(relativeAccuracy);
  }

  add(value: number): void {
    this.n++;
    exactAdd(this.sum, value);
    const error = exactSquareError(value);
    exactAdd(this.sumSq, value * value);
    if (error !== 0) exactAdd(this.sumSq, error);
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    sketchAdd(this.sketch, value);
  }

  /** Fold `other` in: exact, so the result is the same whichever side holds what. */
  merge(other: FeatureAggregate): void {
    if (other.n === 0) return;
    this.n += other.n;
    for (const part of other.sum) exactAdd(this.sum, part);
    for (const part of other.sumSq) exactAdd(this.sumSq, part);
    if (other.min < this.min) this.min = other.min;
    if (other.max > this.max) this.max = other.max;
    sketchMerge(this.sketch, other.sketch);
  }

  /**
   * Fold in an aggregate in its record form (window-partial.ts): what merging
   * `aggregateFromRecord(record)` does, without building that aggregate and its sketch first.
   */
  mergeRecord(record: FeatureAggregateRecord): void {
    if (record.n === 0) return;
    this.n += record.n;
    for (const part of record.sum) exactAdd(this.sum, part);
    for (const part of record.sumSq) exactAdd(this.sumSq, part);
    if (record.min < this.min) this.min = record.min;
    if (record.max > this.max) this.max = record.max;
    sketchMergeState(this.sketch, { accuracy: record.accuracy, zero: record.zero, positive: record.positive, negative: record.negative });
  }

  clone(): FeatureAggregate {
    const copy = new FeatureAggregate(this.sketch.mapping.relativeAccuracy, sketchClone(this.sketch));
    copy.n = this.n;
    copy.sum = [...this.sum];
    copy.sumSq = [...this.sumSq];
    copy.min = this.min;
    copy.max = this.max;
    return copy;
  }

  /** The mean: the exact sum, correctly rounded, over n. */
  get mean(): number {
    return this.n > 0 ? exactValue(this.sum) / this.n : 0;
  }

  /**
   * Sum of squared deviations from q = the mean as rounded: Σx² − 2qΣx + nq², every term exact,
   * rounded once at the end. Free of the cancellation of a rounded Σx² − (Σx)²/n, and a function
   * of the exact sums alone.
   */
  get m2(): number {
    if (this.n === 0) return 0;
    const q = this.mean;
    const terms = [...this.sumSq];
    for (const part of this.sum) for (const t of exactProduct(-2 * q, part)) if (t !== 0) exactAdd(terms, t);
    const [qq, qqError] = exactProduct(q, q);
    for (const factor of [qq, qqError]) for (const t of exactProduct(this.n, factor)) if (t !== 0) exactAdd(terms, t);
    return Math.max(0, exactValue(terms));
  }

  /** Population variance (M2 / n): the spread of this window's sessions, not an estimate of a wider one. */
  get variance(): number {
    return this.n > 0 ? this.m2 / this.n : 0;
  }

  stats(quantiles: readonly number[] = DEFAULT_QUANTILES): FeatureStats {
    if (this.n === 0) throw new FeatureError('WEIR_FEATURES_INVALID_INPUT', 'no statistics for an empty aggregate');
    const median = sketchQuantile(this.sketch, 0.5);
    const byQuantile: Record<string, number> = {};
    for (const q of quantiles) byQuantile[String(q)] = sketchQuantile(this.sketch, q);
    return {
      count: this.n,
      mean: this.mean,
      variance: this.variance,
      min: this.min,
      max: this.max,
      median,
      mad: sketchMad(this.sketch, median),
      quantiles: byQuantile,
    };
  }

  state(): FeatureAggregateState {
    return {
      n: this.n,
      sum: [...this.sum],
      sumSq: [...this.sumSq],
      min: this.n > 0 ? this.min : null,
      max: this.n > 0 ? this.max : null,
      sketch: sketchState(this.sketch),
    };
  }

  static fromState(state: FeatureAggregateState): FeatureAggregate {
    const exact = Array.isArray(state?.sum) && Array.isArray(state.sumSq);
    const welford = typeof state?.mean === 'number' && typeof state.m2 === 'number';
    if (typeof state?.n !== 'number' || !(exact || welford) || !state.sketch) {
      throw new FeatureError('WEIR_FEATURES_SNAPSHOT', 'malformed feature aggregate');
    }
    const aggregate = new FeatureAggregate(state.sketch.accuracy, sketchFromState(state.sketch));
    aggregate.n = state.n;
    if (exact) {
      aggregate.sum = [...state.sum!];
      aggregate.sumSq = [...state.sumSq!];
    } else {
      // A checkpoint from before the exact sums: n·mean and M2 + n·mean² as sums (rounded once;
      // the window it belongs to closes within minutes of the upgrade).
      const { mean, m2 } = state as { mean: number; m2: number };
      exactAdd(aggregate.sum, state.n * mean);
      exactAdd(aggregate.sumSq, m2);
      exactAdd(aggregate.sumSq, state.n * mean * mean);
    }
    aggregate.min = state.min ?? Number.POSITIVE_INFINITY;
    aggregate.max = state.max ?? Number.NEGATIVE_INFINITY;
    return aggregate;
  }
}

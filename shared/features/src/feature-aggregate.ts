/**
 * The distribution of one feature over many sessions, in bounded, mergeable state: Welford
 * moments (count, mean, M2) combined with Chan et al.'s parallel formula, exact min and max, and a
 * DDSketch for the median, the quantiles and the MAD. Two aggregates merged describe the union
 * of what each saw, so windows can be built from panes or from several partitions.
 */
import type { FeatureStats } from '@weir/contracts';
import { FeatureError } from './errors.js';
import {
  newSketch,
  sketchAdd,
  sketchClone,
  sketchFromState,
  sketchMad,
  sketchMerge,
  sketchQuantile,
  sketchState,
  type Sketch,
  type SketchState,
} from './sketch.js';

export const DEFAULT_RELATIVE_ACCURACY = 0.01;
export const DEFAULT_QUANTILES: readonly number[] = [0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99];

export interface FeatureAggregateState {
  n: number;
  mean: number;
  m2: number;
  /** Null while empty (JSON has no ±Infinity). */
  min: number | null;
  max: number | null;
  sketch: SketchState;
}

export class FeatureAggregate {
  n = 0;
  mean = 0;
  /** Sum of squared deviations from the mean. */
  m2 = 0;
  min = Number.POSITIVE_INFINITY;
  max = Number.NEGATIVE_INFINITY;
  readonly sketch: Sketch;

  constructor(relativeAccuracy = DEFAULT_RELATIVE_ACCURACY, sketch?: Sketch) {
    this.sketch = sketch ?? newSketch(relativeAccuracy);
  }

  add(value: number): void {
    // Welford: updates the mean and M2 without the cancellation of sum-of-squares formulas.
    this.n++;
    const delta = value - this.mean;
    this.mean += delta / this.n;
    this.m2 += delta * (value - this.mean);
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    sketchAdd(this.sketch, value);
  }

  /** Fold `other` in (Chan, Golub & LeVeque's pairwise combination of moments). */
  merge(other: FeatureAggregate): void {
    if (other.n === 0) return;
    if (this.n === 0) {
      this.n = other.n;
      this.mean = other.mean;
      this.m2 = other.m2;
    } else {
      const n = this.n + other.n;
      const delta = other.mean - this.mean;
      this.mean += (delta * other.n) / n;
      this.m2 += other.m2 + (delta * delta * this.n * other.n) / n;
      this.n = n;
    }
    if (other.min < this.min) this.min = other.min;
    if (other.max > this.max) this.max = other.max;
    sketchMerge(this.sketch, other.sketch);
  }

  clone(): FeatureAggregate {
    const copy = new FeatureAggregate(this.sketch.mapping.relativeAccuracy, sketchClone(this.sketch));
    copy.n = this.n;
    copy.mean = this.mean;
    copy.m2 = this.m2;
    copy.min = this.min;
    copy.max = this.max;
    return copy;
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
      mean: this.mean,
      m2: this.m2,
      min: this.n > 0 ? this.min : null,
      max: this.n > 0 ? this.max : null,
      sketch: sketchState(this.sketch),
    };
  }

  static fromState(state: FeatureAggregateState): FeatureAggregate {
    if (typeof state?.n !== 'number' || typeof state.mean !== 'number' || typeof state.m2 !== 'number' || !state.sketch) {
      throw new FeatureError('WEIR_FEATURES_SNAPSHOT', 'malformed feature aggregate');
    }
    const aggregate = new FeatureAggregate(state.sketch.accuracy, sketchFromState(state.sketch));
    aggregate.n = state.n;
    aggregate.mean = state.mean;
    aggregate.m2 = state.m2;
    aggregate.min = state.min ?? Number.POSITIVE_INFINITY;
    aggregate.max = state.max ?? Number.NEGATIVE_INFINITY;
    return aggregate;
  }
}

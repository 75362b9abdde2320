import { FEATURE_NAMES, relativeFeatures, type FeatureDeviation } from '@weir/features';
import { labelOf, reasonOf, type Scorer, type ScoringItem, type SessionScore, type Thresholds } from './scorer.js';

export interface BaselineScorerOptions {
  /** How many of the largest deviations make up the distance. Default 3. */
  topFeatures?: number;
  /** Distance (in robust standard deviations) that scores 0.5. Default 6. */
  midpoint?: number;
  /** Steepness of the logistic around the midpoint. Default 1.5. */
  spread?: number;
  /** Reasons listed per session. Default 5. */
  reasons?: number;
}

/**
 * The statistical scorer used when no trained model is given: how far a session lies from its
 * customer's current baseline. Distance = mean of the `topFeatures` largest |robust z| (value
 * minus the window median, over 1.4826 × MAD); score = logistic((distance − midpoint) / spread).
 * A session unlike its customer's other sessions in a few features at once scores high, whatever
 * the direction: bots are unusual in ways a fixed rule cannot list. Without a baseline (a new
 * customer's first minute) every session scores 0: nothing to compare with yet.
 */
export class BaselineScorer implements Scorer {
  readonly version = 'baseline-robust-distance-1';
  private readonly top: number;
  private readonly midpoint: number;
  private readonly spread: number;
  private readonly reasonCount: number;

  constructor(options: BaselineScorerOptions = {}) {
    this.top = options.topFeatures ?? 3;
    this.midpoint = options.midpoint ?? 6;
    this.spread = options.spread ?? 1.5;
    this.reasonCount = options.reasons ?? 5;
  }

  scoreBatch(items: readonly ScoringItem[], thresholds: (customer: string) => Thresholds): SessionScore[] {
    return items.map(({ session, baseline }) => {
      const { deviations } = relativeFeatures(session, baseline);
      if (deviations.length === 0) return { score: 0, label: labelOf(0, thresholds(session.customer)), reasons: [] };
      const ranked = [...deviations].sort((a, b) => Math.abs(b.robustZ) - Math.abs(a.robustZ) || order(a) - order(b));
      const largest = ranked.slice(0, this.top);
      const distance = largest.reduce((sum, d) => sum + Math.abs(d.robustZ), 0) / largest.length;
      const score = 1 / (1 + Math.exp(-(distance - this.midpoint) / this.spread));
      const shown = ranked.slice(0, this.reasonCount).filter((d) => d.robustZ !== 0);
      const total = shown.reduce((sum, d) => sum + Math.abs(d.robustZ), 0);
      return {
        score,
        label: labelOf(score, thresholds(session.customer)),
        reasons: shown.map((d) => reasonOf(d.feature, d.value, d, total > 0 ? Math.abs(d.robustZ) / total : 0)),
      };
    });
  }
}

const registryOrder = new Map<string, number>(FEATURE_NAMES.map((name, i) => [name, i]));
function order(d: FeatureDeviation): number {
  return registryOrder.get(d.feature) ?? Number.MAX_SAFE_INTEGER;
}

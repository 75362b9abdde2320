import { FEATURE_NAMES, relativeFeatures, type FeatureDeviation } from '@weir/features';
import { labelOf, reasonOf, type Scorer, type ScoringItem, type SessionScore, type Thresholds } from './scorer.js';

export interface BaselineScorerOptions {
  /** How many of the largest deviations make up the distance. Default 8. */
  topFeatures?: number;
  /** Largest |z| one feature may add: one wild feature alone is not a bot. Default 10. */
  clip?: number;
  /** Distance (in standard deviations) that scores 0.5. Default 3.4. */
  midpoint?: number;
  /** Steepness of the logistic around the midpoint. Default 0.4. */
  spread?: number;
  /** Reasons listed per session. Default 5. */
  reasons?: number;
}

/**
 * The statistical scorer used when no trained model is given: how far a session lies from its
 * customer's current baseline. Distance = mean of the `topFeatures` largest |z| (value minus the
 * window mean, over its standard deviation), each clipped at `clip`; score = logistic((distance −
 * midpoint) / spread). A session unlike its customer's other sessions in several features at once
 * scores high, whatever the direction. Plain z rather than robust z: many features are 0 for most
 * sessions (share of POSTs, of 4xx...), their MAD is 0, and any non-zero value would be "infinitely"
 * far. The defaults put the 0.5 threshold at the 99th percentile of human sessions on simulated
 * traffic (measured: ~1 % of humans, ~37 % of bots flagged) — a weak detector, since bots are part
 * of the crowd that defines the baseline; it is the fallback until a trained model is given.
 * Without a baseline (a new customer's first minute) every session scores 0: nothing to compare with.
 */
export class BaselineScorer implements Scorer {
  readonly version = 'baseline-distance-2';
  private readonly top: number;
  private readonly clip: number;
  private readonly midpoint: number;
  private readonly spread: number;
  private readonly reasonCount: number;

  constructor(options: BaselineScorerOptions = {}) {
    this.top = options.topFeatures ?? 8;
    this.clip = options.clip ?? 10;
    this.midpoint = options.midpoint ?? 3.4;
    this.spread = options.spread ?? 0.4;
    this.reasonCount = options.reasons ?? 5;
  }

  scoreBatch(items: readonly ScoringItem[], thresholds: (customer: string) => Thresholds): SessionScore[] {
    return items.map(({ session, baseline }) => {
      const { deviations } = relativeFeatures(session, baseline);
      if (deviations.length === 0) return { score: 0, label: labelOf(0, thresholds(session.customer)), reasons: [] };
      const size = (d: FeatureDeviation) => Math.min(this.clip, Math.abs(d.z));
      const ranked = [...deviations].sort((a, b) => size(b) - size(a) || order(a) - order(b));
      const largest = ranked.slice(0, this.top);
      const distance = largest.reduce((sum, d) => sum + size(d), 0) / largest.length;
      const score = 1 / (1 + Math.exp(-(distance - this.midpoint) / this.spread));
      const shown = ranked.slice(0, this.reasonCount).filter((d) => d.z !== 0);
      const total = shown.reduce((sum, d) => sum + size(d), 0);
      return {
        score,
        label: labelOf(score, thresholds(session.customer)),
        reasons: shown.map((d) => reasonOf(d.feature, d.value, d, total > 0 ? size(d) / total : 0)),
      };
    });
  }
}

const registryOrder = new Map<string, number>(FEATURE_NAMES.map((name, i) => [name, i]));
function order(d: FeatureDeviation): number {
  return registryOrder.get(d.feature) ?? Number.MAX_SAFE_INTEGER;
}

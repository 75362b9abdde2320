import type { ScoreLabel, ScoreReason, SessionFeatures, WindowSummary } from '@weir/contracts';
import type { FeatureDeviation } from '@weir/features';

/** One session to score, with the baseline it is compared with (null when its customer has none yet). */
export interface ScoringItem {
  session: SessionFeatures;
  baseline: WindowSummary | null;
}

export interface SessionScore {
  score: number;
  label: ScoreLabel;
  reasons: ScoreReason[];
}

export interface Thresholds {
  suspicious: number;
  bot: number;
}

/**
 * Turns sessions into scores in [0, 1] with the reasons behind them. The score stage and the
 * offline `weir score` both call one, so both give the same numbers.
 */
export interface Scorer {
  /** The model version written into every score. */
  readonly version: string;
  scoreBatch(items: readonly ScoringItem[], thresholds: (customer: string) => Thresholds): SessionScore[];
}

export function labelOf(score: number, thresholds: Thresholds): ScoreLabel {
  return score >= thresholds.bot ? 'bot' : score >= thresholds.suspicious ? 'suspicious' : 'human';
}

/** A reason from a feature's deviation from the baseline; the caller sets the contribution. */
export function reasonOf(feature: string, value: number, deviation: FeatureDeviation | undefined, contribution: number): ScoreReason {
  return {
    feature,
    value,
    baselineMedian: deviation ? deviation.median : null,
    robustZ: deviation ? deviation.robustZ : null,
    contribution,
  };
}

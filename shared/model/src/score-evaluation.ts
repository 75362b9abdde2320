/** Every figure an evaluation reports about a set of scores, assembled from the pure metrics. */
import {
  averagePrecision,
  classificationMetrics,
  confusionMatrix,
  familyMetrics,
  flaggedShare,
  histogram,
  labelCounts,
  prCurve,
  rocAuc,
  rocCurve,
  thinCurve,
  type ClassificationMetrics,
  type ConfusionMatrix,
  type FamilyMetrics,
  type Histogram,
  type LabelCounts,
  type Labels,
  type PrPoint,
  type RocPoint,
  type Scores,
} from './metrics.js';
import { expectedCalibrationError, reliabilityBins, type ReliabilityBin } from './calibration.js';
import { validateThresholds } from './thresholds.js';
import type { Thresholds } from './types.js';

export interface ScoreEvaluationOptions {
  thresholds: Thresholds;
  /** Per row, its family (e.g. the simulator's bot family, or a human segment); null for none. */
  families?: readonly (string | null)[];
  /** Histogram bins over [0, 1]. */
  bins?: number;
  /** Curves are thinned to this many points (metrics always use every row). */
  maxCurvePoints?: number;
}

export interface ScoreEvaluation {
  rows: number;
  positives: number;
  negatives: number;
  thresholds: Thresholds;
  /** Binary metrics below predict bot at score ≥ this (the `bot` threshold). */
  decisionThreshold: number;
  rocAuc: number | null;
  prAuc: number | null;
  classification: ClassificationMetrics;
  confusion: ConfusionMatrix;
  labelCounts: LabelCounts;
  /** Share of humans scored at least `suspicious`: what a customer would see as false alarms. */
  flaggedHumanShare: number | null;
  roc: RocPoint[];
  pr: PrPoint[];
  histograms: { human: Histogram; bot: Histogram; byFamily: Record<string, Histogram> | null };
  families: FamilyMetrics[] | null;
  /** Per tenth of the score range: mean score against the observed share of bots (a calibrated model sits on the diagonal). */
  reliability: ReliabilityBin[];
  /** Mean |score − bot share| over the reliability bins, weighted by rows. */
  calibrationError: number;
}

export function evaluateScores(scores: Scores, labels: Labels, options: ScoreEvaluationOptions): ScoreEvaluation {
  const thresholds = validateThresholds(options.thresholds);
  const bins = options.bins ?? 20;
  const maxCurvePoints = options.maxCurvePoints ?? 1000;
  const human: number[] = [];
  const bot: number[] = [];
  for (let i = 0; i < scores.length; i++) (labels[i] === 1 ? bot : human).push(scores[i] as number);
  const confusion = confusionMatrix(scores, labels, thresholds.bot);
  const reliability = reliabilityBins(scores, Array.from(labels), 10);
  let byFamily: Record<string, Histogram> | null = null;
  if (options.families) {
    const grouped = new Map<string, number[]>();
    options.families.forEach((family, i) => {
      if (family === null) return;
      const list = grouped.get(family) ?? [];
      list.push(scores[i] as number);
      grouped.set(family, list);
    });
    byFamily = Object.fromEntries([...grouped.keys()].sort().map((f) => [f, histogram(grouped.get(f) ?? [], bins)]));
  }
  return {
    rows: scores.length,
    positives: bot.length,
    negatives: human.length,
    thresholds,
    decisionThreshold: thresholds.bot,
    rocAuc: rocAuc(scores, labels),
    prAuc: averagePrecision(scores, labels),
    classification: classificationMetrics(confusion),
    confusion,
    labelCounts: labelCounts(scores, labels, thresholds),
    flaggedHumanShare: flaggedShare(scores, labels, thresholds.suspicious, 0),
    roc: thinCurve(rocCurve(scores, labels), maxCurvePoints),
    pr: thinCurve(prCurve(scores, labels), maxCurvePoints),
    histograms: { human: histogram(human, bins), bot: histogram(bot, bins), byFamily },
    families: options.families
      ? familyMetrics(scores, labels, options.families, thresholds.bot, thresholds.suspicious)
      : null,
    reliability,
    calibrationError: expectedCalibrationError(reliability),
  };
}

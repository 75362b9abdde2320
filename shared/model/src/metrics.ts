/**
 * Evaluation metrics: pure functions over scores (0..1) and labels (1 = bot, 0 = human).
 * Conventions: the positive class is `bot`; a row is predicted bot when score ≥ threshold; a ratio
 * whose denominator is 0 (precision with nothing predicted bot, …) is 0, as scikit-learn's default;
 * a metric that is undefined for the data (AUC with one class only) is null.
 */

export type Scores = ArrayLike<number>;
export type Labels = ArrayLike<number>;

export interface ConfusionMatrix {
  tp: number;
  fp: number;
  tn: number;
  fn: number;
}

export interface ClassMetrics {
  precision: number;
  recall: number;
  f1: number;
  /** Rows truly of this class. */
  support: number;
}

export interface ClassificationMetrics {
  accuracy: number;
  bot: ClassMetrics;
  human: ClassMetrics;
  /** Unweighted mean over the two classes. */
  macro: { precision: number; recall: number; f1: number };
}

export interface RocPoint {
  /** Lowest score predicted bot at this point; +Infinity for the (0, 0) start. */
  threshold: number;
  fpr: number;
  tpr: number;
}

export interface PrPoint {
  /** +Infinity for the (recall 0, precision 1) start. */
  threshold: number;
  precision: number;
  recall: number;
}

export interface Histogram {
  /** bins + 1 edges from 0 to 1; the last bin includes 1. */
  edges: number[];
  counts: number[];
}

export interface FamilyMetrics {
  family: string;
  rows: number;
  bots: number;
  humans: number;
  /** Bots of the family scored ≥ the decision threshold. */
  detected: number;
  /** detected / bots; null for a family with no bots. */
  recall: number | null;
  /** Share of the family's rows (bots and humans) scored ≥ the suspicious threshold. */
  flaggedShare: number;
}

/** Actual class → how many got each label. */
export interface LabelCounts {
  human: { human: number; suspicious: number; bot: number };
  bot: { human: number; suspicious: number; bot: number };
}

function checkLengths(scores: Scores, labels: Labels): void {
  if (scores.length !== labels.length) {
    throw new RangeError(`${scores.length} scores but ${labels.length} labels`);
  }
}

const ratio = (num: number, den: number): number => (den === 0 ? 0 : num / den);
const f1Of = (precision: number, recall: number): number => ratio(2 * precision * recall, precision + recall);

export function confusionMatrix(scores: Scores, labels: Labels, threshold: number): ConfusionMatrix {
  checkLengths(scores, labels);
  const cm = { tp: 0, fp: 0, tn: 0, fn: 0 };
  for (let i = 0; i < scores.length; i++) {
    const predictedBot = (scores[i] as number) >= threshold;
    if (labels[i] === 1) predictedBot ? cm.tp++ : cm.fn++;
    else predictedBot ? cm.fp++ : cm.tn++;
  }
  return cm;
}

export function classificationMetrics(cm: ConfusionMatrix): ClassificationMetrics {
  const total = cm.tp + cm.fp + cm.tn + cm.fn;
  const botPrecision = ratio(cm.tp, cm.tp + cm.fp);
  const botRecall = ratio(cm.tp, cm.tp + cm.fn);
  const humanPrecision = ratio(cm.tn, cm.tn + cm.fn);
  const humanRecall = ratio(cm.tn, cm.tn + cm.fp);
  const bot = { precision: botPrecision, recall: botRecall, f1: f1Of(botPrecision, botRecall), support: cm.tp + cm.fn };
  const human = {
    precision: humanPrecision,
    recall: humanRecall,
    f1: f1Of(humanPrecision, humanRecall),
    support: cm.tn + cm.fp,
  };
  return {
    accuracy: ratio(cm.tp + cm.tn, total),
    bot,
    human,
    macro: {
      precision: (bot.precision + human.precision) / 2,
      recall: (bot.recall + human.recall) / 2,
      f1: (bot.f1 + human.f1) / 2,
    },
  };
}

/**
 * ROC AUC as the Mann–Whitney statistic: the chance a random bot outscores a random human, ties
 * counting one half (average ranks). Null without both classes.
 */
export function rocAuc(scores: Scores, labels: Labels): number | null {
  checkLengths(scores, labels);
  const order = Array.from({ length: scores.length }, (_, i) => i).sort(
    (a, b) => (scores[a] as number) - (scores[b] as number),
  );
  let positives = 0;
  let positiveRankSum = 0;
  for (let start = 0; start < order.length; ) {
    let end = start;
    while (end + 1 < order.length && scores[order[end + 1] as number] === scores[order[start] as number]) end++;
    const averageRank = (start + end) / 2 + 1;
    for (let k = start; k <= end; k++) {
      if (labels[order[k] as number] === 1) {
        positives++;
        positiveRankSum += averageRank;
      }
    }
    start = end + 1;
  }
  const negatives = scores.length - positives;
  if (positives === 0 || negatives === 0) return null;
  return (positiveRankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/** Cumulative counts after each distinct score, highest first: the shared walk behind both curves. */
function thresholdSteps(scores: Scores, labels: Labels): { threshold: number; tp: number; fp: number }[] {
  checkLengths(scores, labels);
  const order = Array.from({ length: scores.length }, (_, i) => i).sort(
    (a, b) => (scores[b] as number) - (scores[a] as number),
  );
  const steps: { threshold: number; tp: number; fp: number }[] = [];
  let tp = 0;
  let fp = 0;
  for (let k = 0; k < order.length; k++) {
    const i = order[k] as number;
    if (labels[i] === 1) tp++;
    else fp++;
    const next = order[k + 1];
    // Rows with equal scores are indistinguishable, so only a change of score ends a step.
    if (next === undefined || scores[next] !== scores[i]) steps.push({ threshold: scores[i] as number, tp, fp });
  }
  return steps;
}

function classCounts(labels: Labels): { positives: number; negatives: number } {
  let positives = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i] === 1) positives++;
  return { positives, negatives: labels.length - positives };
}

export function rocCurve(scores: Scores, labels: Labels): RocPoint[] {
  const { positives, negatives } = classCounts(labels);
  const points: RocPoint[] = [{ threshold: Number.POSITIVE_INFINITY, fpr: 0, tpr: 0 }];
  for (const step of thresholdSteps(scores, labels)) {
    points.push({ threshold: step.threshold, fpr: ratio(step.fp, negatives), tpr: ratio(step.tp, positives) });
  }
  return points;
}

export function prCurve(scores: Scores, labels: Labels): PrPoint[] {
  const { positives } = classCounts(labels);
  const points: PrPoint[] = [{ threshold: Number.POSITIVE_INFINITY, precision: 1, recall: 0 }];
  for (const step of thresholdSteps(scores, labels)) {
    points.push({ threshold: step.threshold, precision: ratio(step.tp, step.tp + step.fp), recall: ratio(step.tp, positives) });
  }
  return points;
}

/**
 * PR AUC as average precision: Σ (recallₖ − recallₖ₋₁) · precisionₖ over distinct thresholds
 * (scikit-learn's `average_precision_score`; no interpolation). Null without bots.
 */
export function averagePrecision(scores: Scores, labels: Labels): number | null {
  const { positives } = classCounts(labels);
  if (positives === 0) return null;
  let ap = 0;
  let previousRecall = 0;
  for (const step of thresholdSteps(scores, labels)) {
    const recall = step.tp / positives;
    ap += (recall - previousRecall) * (step.tp / (step.tp + step.fp));
    previousRecall = recall;
  }
  return ap;
}

export function histogram(scores: Scores, bins = 20): Histogram {
  const counts = new Array<number>(bins).fill(0);
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i] as number;
    if (!Number.isFinite(s)) continue;
    const bin = Math.min(bins - 1, Math.max(0, Math.floor(s * bins)));
    counts[bin] = (counts[bin] as number) + 1;
  }
  return { edges: Array.from({ length: bins + 1 }, (_, i) => i / bins), counts };
}

/** Share of rows of class `ofLabel` (0 = humans) scored ≥ threshold; null when there are none. */
export function flaggedShare(scores: Scores, labels: Labels, threshold: number, ofLabel: 0 | 1 = 0): number | null {
  checkLengths(scores, labels);
  let rows = 0;
  let flagged = 0;
  for (let i = 0; i < scores.length; i++) {
    if ((labels[i] === 1 ? 1 : 0) !== ofLabel) continue;
    rows++;
    if ((scores[i] as number) >= threshold) flagged++;
  }
  return rows === 0 ? null : flagged / rows;
}

export function labelCounts(scores: Scores, labels: Labels, thresholds: { suspicious: number; bot: number }): LabelCounts {
  checkLengths(scores, labels);
  const counts: LabelCounts = { human: { human: 0, suspicious: 0, bot: 0 }, bot: { human: 0, suspicious: 0, bot: 0 } };
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i] as number;
    const row = labels[i] === 1 ? counts.bot : counts.human;
    if (s >= thresholds.bot) row.bot++;
    else if (s >= thresholds.suspicious) row.suspicious++;
    else row.human++;
  }
  return counts;
}

/** Per family (rows with a null family are skipped), sorted by family name. */
export function familyMetrics(
  scores: Scores,
  labels: Labels,
  families: readonly (string | null)[],
  threshold: number,
  suspicious: number,
): FamilyMetrics[] {
  checkLengths(scores, labels);
  if (families.length !== scores.length) throw new RangeError(`${scores.length} scores but ${families.length} families`);
  const byFamily = new Map<string, FamilyMetrics>();
  for (let i = 0; i < scores.length; i++) {
    const family = families[i];
    if (family === null || family === undefined) continue;
    let m = byFamily.get(family);
    if (m === undefined) {
      m = { family, rows: 0, bots: 0, humans: 0, detected: 0, recall: null, flaggedShare: 0 };
      byFamily.set(family, m);
    }
    const s = scores[i] as number;
    m.rows++;
    if (labels[i] === 1) {
      m.bots++;
      if (s >= threshold) m.detected++;
    } else m.humans++;
    if (s >= suspicious) m.flaggedShare++;
  }
  return [...byFamily.values()]
    .map((m) => ({ ...m, recall: m.bots === 0 ? null : m.detected / m.bots, flaggedShare: m.flaggedShare / m.rows }))
    .sort((a, b) => (a.family < b.family ? -1 : a.family > b.family ? 1 : 0));
}

/** Keeps at most `max` points, evenly spaced, always including the first and last: enough to draw a curve. */
export function thinCurve<T>(points: readonly T[], max: number): T[] {
  if (points.length <= max || max < 2) return [...points];
  const out: T[] = [];
  for (let k = 0; k < max; k++) out.push(points[Math.round((k * (points.length - 1)) / (max - 1))] as T);
  return out;
}

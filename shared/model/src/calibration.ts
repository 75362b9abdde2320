/**
 * Score calibration, so that a score means a probability: Platt scaling fitted on out-of-fold
 * scores (a model's scores on rows it was not trained on), p' = σ(a · logit(p) + b). Two
 * parameters cannot overfit a few hundred rows the way isotonic regression can, and the map is
 * monotone, so it reorders nothing: ROC AUC and the reasons' ranking are unchanged.
 */
import { ModelError } from './errors.js';

export interface Calibration {
  method: 'platt';
  a: number;
  b: number;
}

const EPS = 1e-6;

function logit(p: number): number {
  const q = Math.min(1 - EPS, Math.max(EPS, p));
  return Math.log(q / (1 - q));
}

export function applyCalibration(c: Calibration, scores: Float64Array): Float64Array {
  const out = new Float64Array(scores.length);
  for (let i = 0; i < scores.length; i++) out[i] = 1 / (1 + Math.exp(-(c.a * logit(scores[i] as number) + c.b)));
  return out;
}

/**
 * Fits a and b by Newton's method on the log loss, with Platt's smoothed targets
 * ((n₊ + 1)/(n₊ + 2) and 1/(n₋ + 2)) so that perfectly separated scores still give finite values.
 */
export function fitPlatt(scores: ArrayLike<number>, labels: readonly number[]): Calibration {
  const n = labels.length;
  if (n !== scores.length || n === 0) throw new ModelError('WEIR_MODEL_TRAINING', `calibration: ${scores.length} scores for ${n} labels`);
  const positives = labels.filter((y) => y === 1).length;
  const hi = (positives + 1) / (positives + 2);
  const lo = 1 / (n - positives + 2);
  const x = Array.from({ length: n }, (_, i) => logit(scores[i] as number));
  const t = labels.map((y) => (y === 1 ? hi : lo));
  let a = 1;
  let b = 0;
  for (let iteration = 0; iteration < 100; iteration++) {
    let ga = 0;
    let gb = 0;
    let haa = 1e-9;
    let hab = 0;
    let hbb = 1e-9;
    for (let i = 0; i < n; i++) {
      const xi = x[i] as number;
      const p = 1 / (1 + Math.exp(-(a * xi + b)));
      const d = p - (t[i] as number);
      const w = Math.max(p * (1 - p), 1e-12);
      ga += d * xi;
      gb += d;
      haa += w * xi * xi;
      hab += w * xi;
      hbb += w;
    }
    const det = haa * hbb - hab * hab;
    if (!(Math.abs(det) > 1e-18)) break;
    const da = (hbb * ga - hab * gb) / det;
    const db = (haa * gb - hab * ga) / det;
    a -= da;
    b -= db;
    if (Math.abs(da) < 1e-9 && Math.abs(db) < 1e-9) break;
  }
  if (!(Number.isFinite(a) && Number.isFinite(b))) return { method: 'platt', a: 1, b: 0 };
  return { method: 'platt', a, b };
}

/** Reliability: per score bin, the mean predicted score and the observed share of bots. */
export interface ReliabilityBin {
  from: number;
  to: number;
  count: number;
  meanScore: number;
  botShare: number;
}

export function reliabilityBins(scores: ArrayLike<number>, labels: readonly number[], bins = 10): ReliabilityBin[] {
  const out: ReliabilityBin[] = Array.from({ length: bins }, (_, k) => ({ from: k / bins, to: (k + 1) / bins, count: 0, meanScore: 0, botShare: 0 }));
  for (let i = 0; i < labels.length; i++) {
    const s = scores[i] as number;
    const bin = out[Math.min(bins - 1, Math.max(0, Math.floor(s * bins)))] as ReliabilityBin;
    bin.count++;
    bin.meanScore += s;
    bin.botShare += labels[i] === 1 ? 1 : 0;
  }
  for (const bin of out) {
    if (bin.count > 0) {
      bin.meanScore /= bin.count;
      bin.botShare /= bin.count;
    }
  }
  return out;
}

/** Expected calibration error: |mean score − bot share| per bin, weighted by the bin's rows. */
export function expectedCalibrationError(bins: readonly ReliabilityBin[]): number {
  const total = bins.reduce((sum, b) => sum + b.count, 0);
  return total === 0 ? 0 : bins.reduce((sum, b) => sum + (b.count * Math.abs(b.meanScore - b.botShare)) / total, 0);
}

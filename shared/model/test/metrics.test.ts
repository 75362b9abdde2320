import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
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
} from '../src/metrics.js';
import { evaluateScores } from '../src/score-evaluation.js';

// The scikit-learn documentation's example: roc_auc_score = 0.75, average_precision_score = 0.8333…
const scores = [0.1, 0.4, 0.35, 0.8];
const labels = [0, 0, 1, 1];
const close = (actual: number | null, expected: number) => {
  assert.ok(actual !== null && Math.abs(actual - expected) < 1e-12, `${actual} ≠ ${expected}`);
};

describe('metrics on hand-computed examples', () => {
  it('ROC AUC counts bot-above-human pairs', () => {
    close(rocAuc(scores, labels), 0.75);
  });

  it('ROC AUC counts ties as one half', () => {
    close(rocAuc([0.5, 0.5, 0.5, 0.5], [0, 1, 0, 1]), 0.5);
    // Pairs: 0.6 bot vs 0.2 human 1, vs 0.6 human ½; 0.9 bot vs both 2 → 3.5 / 4.
    close(rocAuc([0.2, 0.6, 0.6, 0.9], [0, 0, 1, 1]), 0.875);
  });

  it('AUC is null with one class only', () => {
    assert.equal(rocAuc([0.1, 0.9], [1, 1]), null);
    assert.equal(averagePrecision([0.1, 0.9], [0, 0]), null);
  });

  it('average precision sums precision over recall steps', () => {
    close(averagePrecision(scores, labels), 0.5 * 1 + 0.5 * (2 / 3));
    // Tied scores form one step: 0.9 → R .5 P 1; the two 0.6 → R 1 P 2/3.
    close(averagePrecision([0.2, 0.6, 0.6, 0.9], [0, 0, 1, 1]), 0.5 + 0.5 * (2 / 3));
    close(averagePrecision([0.5, 0.5, 0.5, 0.5], [0, 1, 0, 1]), 0.5);
  });

  it('ROC and PR curves step at each distinct score', () => {
    assert.deepEqual(
      rocCurve(scores, labels).map((p) => [p.threshold, p.fpr, p.tpr]),
      [
        [Infinity, 0, 0],
        [0.8, 0, 0.5],
        [0.4, 0.5, 0.5],
        [0.35, 0.5, 1],
        [0.1, 1, 1],
      ],
    );
    assert.deepEqual(
      prCurve([0.2, 0.6, 0.6, 0.9], [0, 0, 1, 1]).map((p) => [p.threshold, p.precision, p.recall]),
      [
        [Infinity, 1, 0],
        [0.9, 1, 0.5],
        [0.6, 2 / 3, 1],
        [0.2, 0.5, 1],
      ],
    );
  });

  it('confusion matrix and the classification metrics derived from it', () => {
    const cm = confusionMatrix(scores, labels, 0.5);
    assert.deepEqual(cm, { tp: 1, fp: 0, tn: 2, fn: 1 });
    const m = classificationMetrics(cm);
    close(m.accuracy, 0.75);
    close(m.bot.precision, 1);
    close(m.bot.recall, 0.5);
    close(m.bot.f1, 2 / 3);
    close(m.human.precision, 2 / 3);
    close(m.human.recall, 1);
    close(m.human.f1, 0.8);
    close(m.macro.precision, (1 + 2 / 3) / 2);
    close(m.macro.recall, 0.75);
    close(m.macro.f1, (2 / 3 + 0.8) / 2);
    assert.equal(m.bot.support, 2);
    // The threshold is inclusive: a score equal to it is predicted bot.
    assert.deepEqual(confusionMatrix(scores, labels, 0.35), { tp: 2, fp: 1, tn: 1, fn: 0 });
  });

  it('precision is 0, not NaN, when nothing is predicted bot', () => {
    const m = classificationMetrics(confusionMatrix(scores, labels, 0.99));
    assert.equal(m.bot.precision, 0);
    assert.equal(m.bot.f1, 0);
  });

  it('histograms bin over [0, 1] with 1 in the last bin', () => {
    assert.deepEqual(histogram([0, 0.25, 0.5, 0.99, 1], 4), { edges: [0, 0.25, 0.5, 0.75, 1], counts: [1, 1, 1, 2] });
  });

  it('flagged share of humans, label counts, per-family recall', () => {
    close(flaggedShare(scores, labels, 0.35, 0), 0.5);
    assert.equal(flaggedShare([0.9], [1], 0.5, 0), null);
    assert.deepEqual(labelCounts(scores, labels, { suspicious: 0.3, bot: 0.7 }), {
      human: { human: 1, suspicious: 1, bot: 0 },
      bot: { human: 0, suspicious: 1, bot: 1 },
    });
    assert.deepEqual(familyMetrics(scores, labels, ['h', 'h', 'x', 'y'], 0.5, 0.3), [
      { family: 'h', rows: 2, bots: 0, humans: 2, detected: 0, recall: null, flaggedShare: 0.5 },
      { family: 'x', rows: 1, bots: 1, humans: 0, detected: 0, recall: 0, flaggedShare: 1 },
      { family: 'y', rows: 1, bots: 1, humans: 0, detected: 1, recall: 1, flaggedShare: 1 },
    ]);
  });

  it('thinning keeps the ends and the requested count', () => {
    const points = Array.from({ length: 101 }, (_, i) => i);
    assert.deepEqual(thinCurve(points, 5), [0, 25, 50, 75, 100]);
    assert.deepEqual(thinCurve([1, 2], 5), [1, 2]);
  });

  it('evaluateScores assembles every figure', () => {
    const e = evaluateScores(scores, labels, {
      thresholds: { suspicious: 0.3, bot: 0.5 },
      families: ['h', 'h', 'x', null],
      bins: 4,
    });
    assert.equal(e.rows, 4);
    assert.equal(e.positives, 2);
    close(e.rocAuc, 0.75);
    assert.deepEqual(e.confusion, { tp: 1, fp: 0, tn: 2, fn: 1 });
    assert.deepEqual(e.histograms.human.counts, [1, 1, 0, 0]);
    assert.deepEqual(e.histograms.bot.counts, [0, 1, 0, 1]);
    assert.deepEqual(Object.keys(e.histograms.byFamily ?? {}), ['h', 'x']);
    close(e.flaggedHumanShare, 0.5);
    assert.throws(() => evaluateScores(scores, labels, { thresholds: { suspicious: 0.9, bot: 0.5 } }), {
      code: 'WEIR_MODEL_THRESHOLDS',
    });
  });
});

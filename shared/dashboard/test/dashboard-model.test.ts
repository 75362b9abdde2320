import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ScoreRecord, WindowSummary } from '@weir/contracts';
import { DashboardModel, RateMeter } from '../src/index.js';

function score(sessionId: string, value: number, extra: Partial<ScoreRecord> = {}): ScoreRecord {
  return {
    customer: 'acme', sessionId, sessionKey: sessionId, clientIp: '10.0.0.1', userAgent: 'curl/8.0',
    firstTime: 0, lastTime: 1000, requestCount: 5, closed: false, score: value,
    label: value >= 0.8 ? 'bot' : value >= 0.5 ? 'suspicious' : 'human', modelVersion: 'm1', shadow: false,
    windowStart: null, reasons: [], scoredAt: 1000, ...extra,
  };
}

test('a session counts once in the histogram, at its latest score', () => {
  const model = new DashboardModel({ histogramBins: 10 });
  model.recordScore(score('s1', 0.15));
  model.recordScore(score('s2', 0.95));
  model.recordScore(score('s1', 0.55));
  const snap = model.snapshot();
  assert.deepEqual(snap.scoreHistogram, [0, 0, 0, 0, 0, 1, 0, 0, 0, 1]);
  assert.deepEqual(snap.labels, { human: 0, suspicious: 1, bot: 1 });
  assert.equal(snap.customers[0]?.sessions, 2);
});

test('the suspicious table lists non-human sessions, highest score first, and ignores shadow scores', () => {
  const model = new DashboardModel({ topSuspicious: 2 });
  model.recordScore(score('low', 0.1));
  model.recordScore(score('mid', 0.6));
  model.recordScore(score('high', 0.99));
  model.recordScore(score('higher-but-shadow', 1, { shadow: true }));
  model.recordScore(score('also', 0.7));
  assert.deepEqual(model.snapshot().suspicious.map((s) => s.sessionId), ['high', 'also']);
});

test('old sessions are forgotten beyond maxSessions, and leave the histogram with them', () => {
  const model = new DashboardModel({ histogramBins: 2, maxSessions: 2 });
  model.recordScore(score('a', 0.1));
  model.recordScore(score('b', 0.9));
  model.recordScore(score('c', 0.9));
  assert.deepEqual(model.snapshot().scoreHistogram, [0, 2]);
});

test('each customer shows its newest window baseline', () => {
  const model = new DashboardModel({ baselineFeatures: ['request_count'] });
  const window = (start: number, median: number): WindowSummary => ({
    customer: 'acme', windowStart: start, windowEnd: start + 60_000, sessionCount: 3, closed: false, featureSet: 'f',
    features: { request_count: { count: 3, mean: 4, variance: 1, min: 3, max: 5, median, mad: 1, quantiles: { '0.95': 5 } }, other: { count: 3, mean: 0, variance: 0, min: 0, max: 0, median: 0, mad: 0, quantiles: {} } },
  });
  model.recordWindow(window(60_000, 4));
  model.recordWindow(window(0, 99));
  const [baseline] = model.snapshot().baselines;
  assert.equal(baseline?.windowStart, 60_000);
  assert.deepEqual(baseline?.features, [{ feature: 'request_count', median: 4, mean: 4, p95: 5 }]);
});

test('stage and customer rates are per second over completed seconds', () => {
  let now = 1_000_000;
  const model = new DashboardModel({ now: () => now });
  for (let second = 0; second < 12; second++) {
    model.recordStage('sessionize', 50);
    model.recordEvents('acme', 20);
    now += 1000;
  }
  const snap = model.snapshot();
  assert.equal(snap.stages[0]?.perSecond, 50);
  assert.equal(snap.stages[0]?.total, 600);
  assert.equal(snap.customers[0]?.eventsPerSecond, 20);
});

test('a rate meter forgets seconds that left its window', () => {
  const meter = new RateMeter(5);
  meter.add(100, 10_000);
  assert.equal(meter.perSecond(11_000), 25);
  assert.equal(meter.perSecond(30_000), 0);
  assert.equal(meter.count, 100);
});

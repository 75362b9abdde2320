/**
 * The window baseline: window assignment, the per-feature aggregate (moments, Chan merge, sketch
 * quantiles and MAD), counting each session once per window, closing by watermark, lateness,
 * running updates and checkpoints.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SessionFeatures, WindowSummary } from '@weir/contracts';
import { isFeatureError } from '../src/errors.js';
import { FeatureAggregate } from '../src/feature-aggregate.js';
import { WindowBaseline, type WindowBaselineConfig, type WindowOutput } from '../src/window.js';
import { decodeWindowSnapshot, encodeWindowSnapshot } from '../src/window-state.js';
import { lastWindowEndFor, windowSpec, windowStartsFor } from '../src/windowing.js';
import { assertClose, prng, sessionRecord } from './helpers.js';

test('tumbling windows: [start, start + size), edges included at the start', () => {
  const spec = windowSpec(60_000);
  assert.deepEqual(windowStartsFor(0, spec), [0]);
  assert.deepEqual(windowStartsFor(59_999, spec), [0]);
  assert.deepEqual(windowStartsFor(60_000, spec), [60_000]);
  assert.deepEqual(windowStartsFor(-1, spec), [-60_000]);
  assert.equal(lastWindowEndFor(59_999, spec), 60_000);
  assert.deepEqual(windowStartsFor(10_000, windowSpec(60_000, 60_000, 5_000)), [5_000]);
});

test('hopping windows: every window containing the time, earliest first', () => {
  const spec = windowSpec(60_000, 20_000);
  assert.deepEqual(windowStartsFor(65_000, spec), [20_000, 40_000, 60_000]);
  assert.deepEqual(windowStartsFor(60_000, spec), [20_000, 40_000, 60_000]);
  assert.deepEqual(windowStartsFor(59_999, spec), [0, 20_000, 40_000]);
  assert.equal(lastWindowEndFor(65_000, spec), 120_000);
  assert.throws(() => windowSpec(60_000, 90_000), (err: unknown) => isFeatureError(err, 'WEIR_FEATURES_CONFIG'));
  assert.throws(() => windowSpec(0), (err: unknown) => isFeatureError(err, 'WEIR_FEATURES_CONFIG'));
});

function values(count: number, seed: number): number[] {
  const random = prng(seed);
  // Skewed, like most features: many small values, a long tail, and some exact zeros.
  return Array.from({ length: count }, () => (random() < 0.2 ? 0 : Math.exp(random() * 8) * 3));
}

function exactQuantile(sorted: readonly number[], q: number): number {
  // The sketch's rank rule: the value at rank ⌊q·(n − 1)⌋ ... of the lower kind.
  return sorted[Math.floor(q * (sorted.length - 1))] as number;
}

test('aggregate mean and variance equal a direct two-pass computation', () => {
  const xs = values(1000, 1);
  const aggregate = new FeatureAggregate();
  for (const x of xs) aggregate.add(x);
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const variance = xs.reduce((a, x) => a + (x - mean) ** 2, 0) / xs.length;
  const stats = aggregate.stats();
  assert.equal(stats.count, 1000);
  assertClose(stats.mean, mean, 1e-12, 'mean');
  assertClose(stats.variance, variance, 1e-10, 'variance');
  assert.equal(stats.min, Math.min(...xs));
  assert.equal(stats.max, Math.max(...xs));
});

test('merged aggregates equal one that saw everything, bit for bit, whatever the split and order', () => {
  // Values of very different magnitudes, where rounding order shows in a running sum.
  const xs = values(900, 2).map((x, i) => (i % 7 === 0 ? x * 1e9 : i % 5 === 0 ? x * 1e-7 : x + 0.1));
  const whole = new FeatureAggregate();
  for (const x of xs) whole.add(x);
  const shuffled = new FeatureAggregate();
  for (const x of [...xs].reverse()) shuffled.add(x);
  const parts = [new FeatureAggregate(), new FeatureAggregate(), new FeatureAggregate(), new FeatureAggregate()];
  xs.forEach((x, i) => (parts[i < 10 ? 0 : i < 300 ? 1 : i < 899 ? 2 : 3] as FeatureAggregate).add(x));
  for (const order of [[0, 1, 2, 3], [3, 1, 0, 2], [2, 3, 1, 0]]) {
    const merged = new FeatureAggregate();
    for (const i of order) merged.merge(parts[i] as FeatureAggregate);
    assert.deepStrictEqual(merged.stats(), whole.stats(), `merge order ${order.join(',')}`);
  }
  assert.deepStrictEqual(shuffled.stats(), whole.stats(), 'reversed input');
  // And they are the exact moments, correctly rounded: checked against a two-pass computation.
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  assertClose(whole.stats().mean, mean, 1e-12, 'mean');
});

test('an aggregate checkpointed as Welford moments (before exact sums) is read', () => {
  const xs = [1, 2, 3, 4, 100];
  const fresh = new FeatureAggregate();
  for (const x of xs) fresh.add(x);
  const { sum: _sum, sumSq: _sumSq, ...rest } = fresh.state();
  const old = FeatureAggregate.fromState({ ...rest, mean: 22, m2: 21 ** 2 + 20 ** 2 + 19 ** 2 + 18 ** 2 + 78 ** 2 });
  assert.equal(old.stats().mean, 22);
  assertClose(old.stats().variance, fresh.stats().variance, 1e-12, 'variance');
  assert.deepStrictEqual(old.stats().quantiles, fresh.stats().quantiles);
});

test('merge handles negative values (the library merge drops them)', () => {
  const a = new FeatureAggregate();
  const b = new FeatureAggregate();
  for (const x of [-5, -4, -3]) a.add(x);
  for (const x of [-2, -1, 7]) b.add(x);
  a.merge(b);
  const stats = a.stats();
  assert.ok(Math.abs(stats.median - -3) <= 0.03 + 1e-12, String(stats.median));
  assert.ok(Math.abs((stats.quantiles['0.01'] ?? 0) - -5) <= 0.05 + 1e-12);
});

test('quantiles and median are within the sketch’s relative accuracy; MAD close to exact', () => {
  const xs = values(5000, 3);
  const aggregate = new FeatureAggregate(0.01);
  for (const x of xs) aggregate.add(x);
  const sorted = [...xs].sort((a, b) => a - b);
  const stats = aggregate.stats([0.05, 0.25, 0.5, 0.75, 0.95, 0.99]);
  for (const [q, value] of Object.entries(stats.quantiles)) {
    const exact = exactQuantile(sorted, Number(q));
    assert.ok(Math.abs(value - exact) <= 0.01 * Math.abs(exact) + 1e-12, `q${q}: ${value} vs ${exact}`);
  }
  const median = exactQuantile(sorted, 0.5);
  const deviations = xs.map((x) => Math.abs(x - median)).sort((a, b) => a - b);
  const mad = exactQuantile(deviations, 0.5);
  // The MAD is read off the sketch's bins: its error is relative to the values, not to the MAD.
  assert.ok(Math.abs(stats.mad - mad) <= 0.02 * (median + mad), `mad ${stats.mad} vs ${mad}`);
});

test('MAD of a hand-sized sample', () => {
  // 1, 2, 3, 4, 100: median 3, deviations 2 1 0 1 97 → MAD 1 (up to the sketch's 1%).
  const aggregate = new FeatureAggregate();
  for (const x of [1, 2, 3, 4, 100]) aggregate.add(x);
  const stats = aggregate.stats();
  assert.ok(Math.abs(stats.median - 3) <= 0.03, String(stats.median));
  assert.ok(Math.abs(stats.mad - 1) <= 0.03 + 0.01 * 3, String(stats.mad));
  assert.equal(stats.mean, 22);
  assert.equal(stats.variance, (21 ** 2 + 20 ** 2 + 19 ** 2 + 18 ** 2 + 78 ** 2) / 5);
});

test('aggregate state round-trips exactly', () => {
  const aggregate = new FeatureAggregate();
  for (const x of values(300, 4)) aggregate.add(x);
  const restored = FeatureAggregate.fromState(JSON.parse(JSON.stringify(aggregate.state())));
  assert.deepStrictEqual(restored.stats(), aggregate.stats());
  restored.add(42);
  aggregate.add(42);
  assert.deepStrictEqual(restored.stats(), aggregate.stats());
});

const W = 60_000;

function collect(out: WindowOutput, into: { summaries: WindowSummary[]; late: WindowOutput['late'][number][] }): void {
  into.summaries.push(...out.summaries);
  into.late.push(...out.late);
}

function feed(baseline: WindowBaseline, records: SessionFeatures[], flush = true) {
  const into = { summaries: [] as WindowSummary[], late: [] as WindowOutput['late'][number][] };
  for (const record of records) collect(baseline.push(record), into);
  if (flush) collect(baseline.flush(), into);
  return into;
}

test('a session updated several times counts once per window, with its latest values', () => {
  const baseline = new WindowBaseline({ sizeMs: W, allowedLatenessMs: 0, updateEveryRecords: 0 });
  const { summaries } = feed(baseline, [
    sessionRecord('s1', 10_000, { request_count: 1 }),
    sessionRecord('s2', 15_000, { request_count: 5 }),
    sessionRecord('s1', 20_000, { request_count: 2 }),
    sessionRecord('s1', 30_000, { request_count: 3 }),
    sessionRecord('s2', 70_000, { request_count: 7 }), // s2 moves on: its 5 is final for window 0
    sessionRecord('s1', 80_000, { request_count: 9 }, { closed: true }),
  ]);
  const first = summaries.find((s) => s.windowStart === 0);
  const second = summaries.find((s) => s.windowStart === W);
  assert.equal(first?.sessionCount, 2);
  assert.equal(first?.features.request_count?.mean, 4); // s1 → 3, s2 → 5
  assert.equal(first?.features.request_count?.max, 5);
  assert.equal(second?.sessionCount, 2);
  assert.equal(second?.features.request_count?.mean, 8); // s2 → 7, s1 → 9
  assert.equal(first?.closed, true);
});

test('windows close when the watermark (newest lastTime − lateness) reaches their end', () => {
  const baseline = new WindowBaseline({ sizeMs: W, allowedLatenessMs: 30_000, updateEveryRecords: 0 });
  assert.equal(baseline.push(sessionRecord('a', 59_999)).summaries.length, 0);
  assert.equal(baseline.push(sessionRecord('b', 89_999)).summaries.length, 0); // watermark 59,999
  const out = baseline.push(sessionRecord('c', 90_000)); // watermark 60,000 = end of [0, 60 s)
  assert.deepEqual(
    out.summaries.map((s) => [s.windowStart, s.windowEnd, s.sessionCount, s.closed]),
    [[0, W, 1, true]],
  );
  assert.equal(baseline.watermark('shop'), 60_000);
  // Another customer has its own watermark.
  assert.equal(baseline.push(sessionRecord('d', 0, {}, { customer: 'blog' })).late.length, 0);
});

test('records for closed windows are reported, close records apart from late updates', () => {
  const baseline = new WindowBaseline({ sizeMs: W, allowedLatenessMs: 0, updateEveryRecords: 0 });
  baseline.push(sessionRecord('a', 10_000));
  baseline.push(sessionRecord('b', 130_000));
  const late = sessionRecord('c', 20_000);
  const closedAfter = sessionRecord('a', 10_000, {}, { closed: true });
  assert.deepEqual(baseline.push(late).late, [{ record: late, kind: 'late', watermark: 130_000 }]);
  assert.deepEqual(baseline.push(closedAfter).late, [{ record: closedAfter, kind: 'closed_session', watermark: 130_000 }]);
  const stale = sessionRecord('b', 125_000);
  assert.deepEqual(baseline.push(stale).late, [{ record: stale, kind: 'stale', watermark: 130_000 }]);
  const stats = baseline.stats();
  assert.equal(stats.late, 1);
  assert.equal(stats.closedSessionsAfterWindow, 1);
  assert.equal(stats.stale, 1);
});

test('running updates every N records, then the final summary', () => {
  const baseline = new WindowBaseline({ sizeMs: W, allowedLatenessMs: 0, updateEveryRecords: 2 });
  const { summaries } = feed(baseline, [
    sessionRecord('a', 1_000, { request_count: 1 }),
    sessionRecord('b', 2_000, { request_count: 3 }),
    sessionRecord('a', 3_000, { request_count: 2 }),
  ]);
  assert.deepEqual(
    summaries.map((s) => [s.sessionCount, s.closed, s.features.request_count?.mean]),
    [
      [2, false, 2],
      [2, true, 2.5],
    ],
  );
});

test('hopping windows count a session in each window its lastTime falls in', () => {
  const baseline = new WindowBaseline({ sizeMs: W, hopMs: 30_000, allowedLatenessMs: 0, updateEveryRecords: 0 });
  const { summaries } = feed(baseline, [sessionRecord('a', 45_000, { request_count: 4 })]);
  assert.deepEqual(
    summaries.map((s) => [s.windowStart, s.sessionCount]),
    [
      [0, 1],
      [30_000, 1],
    ],
  );
});

test('records from other feature code are refused', () => {
  const baseline = new WindowBaseline();
  assert.throws(
    () => baseline.push({ ...sessionRecord('a', 0), featureSet: 'fs1-0000000000000000' }),
    (err: unknown) => isFeatureError(err, 'WEIR_FEATURES_FINGERPRINT_MISMATCH'),
  );
});

function sessionStream(count: number, seed: number): SessionFeatures[] {
  const random = prng(seed);
  const records: SessionFeatures[] = [];
  const last = new Map<string, number>();
  let time = 0;
  for (let i = 0; i < count; i++) {
    time += Math.floor(random() * 3000);
    const id = `s${Math.floor(random() * 40)}`;
    const closed = random() < 0.05;
    const lag = Math.floor(random() * 20_000); // records reach the window stage a little out of order
    const lastTime = Math.max(last.get(id) ?? 0, time - lag);
    records.push(
      sessionRecord(
        id,
        lastTime,
        { request_count: Math.floor(random() * 50), share_get: random(), inter_arrival_mean_s: random() * 10 },
        { closed, customer: random() < 0.3 ? 'blog' : 'shop' },
      ),
    );
    if (closed) last.delete(id);
    else last.set(id, lastTime);
  }
  return records;
}

test('checkpoint → restore → continue gives exactly the uninterrupted baseline', () => {
  const config: WindowBaselineConfig = { sizeMs: W, allowedLatenessMs: 10_000, updateEveryRecords: 7 };
  const records = sessionStream(400, 5);
  const uninterrupted = feed(new WindowBaseline(config), records);
  assert.ok(uninterrupted.summaries.length > 10 && uninterrupted.late.length > 0);
  for (const cut of [1, 123, 399]) {
    const first = new WindowBaseline(config);
    const got = feed(first, records.slice(0, cut), false);
    const restored = WindowBaseline.restore(decodeWindowSnapshot(encodeWindowSnapshot(first.snapshot())), config);
    assert.deepEqual(restored.stats(), first.stats());
    const rest = feed(restored, records.slice(cut));
    assert.deepStrictEqual({ summaries: [...got.summaries, ...rest.summaries], late: [...got.late, ...rest.late] }, uninterrupted, `cut ${cut}`);
  }
  assert.throws(
    () => WindowBaseline.restore(new WindowBaseline(config).snapshot(), { sizeMs: 2 * W }),
    (err: unknown) => isFeatureError(err, 'WEIR_FEATURES_SNAPSHOT'),
  );
});

test('pending state is released once sessions and windows are done', () => {
  const baseline = new WindowBaseline({ sizeMs: W, allowedLatenessMs: 0, updateEveryRecords: 0 });
  feed(baseline, sessionStream(300, 9));
  assert.deepEqual(baseline.stats().openWindows, 0);
  assert.deepEqual(baseline.stats().pendingSessions, 0);
  const snapshot = baseline.snapshot();
  assert.ok(snapshot.customers.every((c) => c.lastSeen.length === 0 && c.windows.length === 0));
});

test('an at-least-once replay of a session, close included, is ignored while its windows are open, also after a restore', () => {
  const records = [
    sessionRecord('s1', 10_000, { request_count: 2 }),
    sessionRecord('s2', 15_000, { request_count: 4 }),
    sessionRecord('s1', 20_000, { request_count: 3 }, { closed: true }),
  ];
  const config = { sizeMs: W, allowedLatenessMs: 0, updateEveryRecords: 0 };
  const once = feed(new WindowBaseline(config), records);

  const replayed = new WindowBaseline(config);
  const first = feed(replayed, records, false);
  // The upstream crashed before committing: it sends s1's records again, then goes on.
  const restored = WindowBaseline.restore(JSON.parse(JSON.stringify(replayed.snapshot())), config);
  const again = feed(restored, [records[0]!, records[2]!, sessionRecord('s2', 25_000, { request_count: 4 }, { closed: true })]);
  assert.deepEqual(
    again.late.map((l) => [l.record.sessionId, l.kind]),
    [
      ['s1', 'stale'],
      ['s1', 'stale'],
    ],
  );
  const final = [...first.summaries, ...again.summaries].filter((s) => s.closed);
  assert.equal(final.length, 1);
  assert.equal(final[0]!.sessionCount, 2, 's1 counted once');
  assert.equal(final[0]!.features.request_count?.mean, once.summaries.find((s) => s.closed)!.features.request_count?.mean);
  assert.equal(restored.stats().stale, 2);
});

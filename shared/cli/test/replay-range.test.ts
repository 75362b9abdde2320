/** The arithmetic of a replay's range: times, margins, what is read and what is published. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultCoolDownMs, defaultWarmUpMs, parseTime, readBounds, sessionInRange, windowInRange, type ReplayRange } from '../src/replay/range.js';

const MIN = 60_000;

test('parseTime: ISO 8601 with a zone or epoch ms; anything else is a problem naming the flag', () => {
  assert.equal(parseTime('from', '2026-12-06T10:00:00Z'), Date.UTC(2026, 11, 6, 10));
  assert.equal(parseTime('from', '2026-12-06T11:00:00+01:00'), Date.UTC(2026, 11, 6, 10));
  assert.equal(parseTime('to', '1765015200000'), 1765015200000);
  for (const bad of ['2026-12-06T10:00:00', 'yesterday', '2026-12-06', '12']) {
    const parsed = parseTime('to', bad);
    assert.ok(typeof parsed !== 'number' && parsed.problem.startsWith(`--to '${bad}' is not a time`), bad);
  }
});

test('margins: warm-up covers the longest session, cool-down a gap, both latenesses and a window', () => {
  const timings = { sessionGapMs: 30 * MIN, sessionMaxDurationMs: 240 * MIN, sessionLatenessMs: MIN, windowSizeMs: MIN, windowLatenessMs: MIN };
  assert.equal(defaultWarmUpMs(timings), 241 * MIN);
  assert.equal(defaultCoolDownMs(timings), 33 * MIN);
});

test('reads [from - warm-up, to + cool-down + ingest lag); publishes what ended in [from, to)', () => {
  const range: ReplayRange = { from: 1000 * MIN, to: 1060 * MIN, warmUpMs: 241 * MIN, coolDownMs: 33 * MIN, ingestLagMs: 5 * MIN };
  assert.deepEqual(readBounds(range), { start: 759 * MIN, end: 1098 * MIN });
  assert.ok(sessionInRange(range, { lastTime: 1000 * MIN }));
  assert.ok(!sessionInRange(range, { lastTime: 1000 * MIN - 1 }));
  assert.ok(sessionInRange(range, { lastTime: 1060 * MIN - 1 }));
  assert.ok(!sessionInRange(range, { lastTime: 1060 * MIN }), 'the next range\'s');
  assert.ok(windowInRange(range, { windowStart: 1059 * MIN }));
  assert.ok(!windowInRange(range, { windowStart: 1060 * MIN }));
});

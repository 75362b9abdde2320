/**
 * The window baseline's event time from its input sources (advanceSource): the minimum over the
 * customer's sources once each has been heard of, quiet sources left out, checkpointed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WindowBaseline, type WindowOutput } from '../src/window.js';
import { sessionRecord } from './helpers.js';

const MINUTE = 60_000;
const config = { sizeMs: MINUTE, allowedLatenessMs: 0, updateEveryRecords: 0 };

const closedStarts = (out: WindowOutput) => out.summaries.filter((s) => s.closed).map((s) => s.windowStart);
const closedCounts = (out: WindowOutput) => out.summaries.filter((s) => s.closed).map((s) => [s.windowStart, s.sessionCount]);

test('records only: the newest record closes the windows behind it, and an older one is late', () => {
  const baseline = new WindowBaseline(config);
  baseline.push(sessionRecord('a', 10_000));
  assert.deepEqual(closedStarts(baseline.push(sessionRecord('b', 10 * MINUTE))), [0]);
  assert.equal(baseline.push(sessionRecord('c', 20_000)).late.length, 1);
});

test('sources: a source far ahead closes nothing until every source has reported; the behind one is not late', () => {
  const baseline = new WindowBaseline(config);
  baseline.advanceSource('shop', 'logs', 'p0', 2, null, false);
  baseline.push(sessionRecord('a', 10_000));
  baseline.push(sessionRecord('b', 10 * MINUTE));
  assert.deepEqual(closedStarts(baseline.advanceSource('shop', 'logs', 'p0', 2, 11 * MINUTE, false)), [], 'p1 never heard of');
  // p1 reports, far behind: its sessions still find their windows open.
  assert.deepEqual(closedStarts(baseline.advanceSource('shop', 'logs', 'p1', 2, 5_000, false)), []);
  const behind = baseline.push(sessionRecord('c', 20_000));
  assert.equal(behind.late.length, 0);
  // The minimum moves with p1: the first window closes with both sessions.
  assert.deepEqual(closedCounts(baseline.advanceSource('shop', 'logs', 'p1', 2, 2 * MINUTE, false)), [[0, 2]]);
  assert.equal(baseline.watermark('shop'), 2 * MINUTE);
  // Records no longer move the event time: one far ahead does not close p1's windows.
  assert.deepEqual(closedStarts(baseline.push(sessionRecord('d', 30 * MINUTE))), []);
});

test('sources: a source that has read nothing holds the time; a quiet one does not, and all quiet is the newest', () => {
  const baseline = new WindowBaseline(config);
  baseline.push(sessionRecord('a', 10_000));
  baseline.advanceSource('shop', 'logs', 'p0', 2, 5 * MINUTE, false);
  assert.deepEqual(closedStarts(baseline.advanceSource('shop', 'logs', 'p1', 2, null, false)), [], 'p1 has read nothing yet');
  assert.deepEqual(closedStarts(baseline.advanceSource('shop', 'logs', 'p1', 2, null, true)), [0], 'p1 quiet: p0 alone');
  // p1 back with input, behind: it holds the time again, which never goes back.
  baseline.advanceSource('shop', 'logs', 'p1', 2, 2 * MINUTE, false);
  baseline.push(sessionRecord('b', 6 * MINUTE));
  assert.deepEqual(closedStarts(baseline.advanceSource('shop', 'logs', 'p0', 2, 9 * MINUTE, false)), []);
  assert.equal(baseline.watermark('shop'), 5 * MINUTE);
  baseline.advanceSource('shop', 'logs', 'p0', 2, 9 * MINUTE, true);
  assert.deepEqual(closedStarts(baseline.advanceSource('shop', 'logs', 'p1', 2, 3 * MINUTE, true)), [6 * MINUTE], 'all quiet: the newest');
  // A source's watermark never goes back.
  baseline.advanceSource('shop', 'logs', 'p0', 2, MINUTE, false);
  assert.equal(baseline.watermark('shop'), 9 * MINUTE);
});

test('sources: the customer is per customer, and a restored baseline keeps its sources', () => {
  const baseline = new WindowBaseline(config);
  baseline.advanceSource('shop', 'logs', 'p0', 2, 10 * MINUTE, false);
  baseline.push(sessionRecord('a', 10_000));
  baseline.push(sessionRecord('x', 10_000, {}, { customer: 'other' }));
  // Another customer's records move only its own time.
  assert.deepEqual(closedStarts(baseline.push(sessionRecord('y', 5 * MINUTE, {}, { customer: 'other' }))), [0]);
  const restored = WindowBaseline.restore(JSON.parse(JSON.stringify(baseline.snapshot())), config);
  assert.deepEqual(closedStarts(restored.push(sessionRecord('b', 7 * MINUTE))), [], 'p1 still unheard of after the restore');
  assert.deepEqual(closedCounts(restored.advanceSource('shop', 'logs', 'p1', 2, 3 * MINUTE, false)), [[0, 1]]);
  assert.deepEqual(closedStarts(baseline.advanceSource('shop', 'logs', 'p1', 2, 3 * MINUTE, false)), [0], 'the original agrees');
});

test('sources of a group are shared by its customers: a partition that never carried one still holds it, and moves it on', () => {
  const baseline = new WindowBaseline(config);
  baseline.advanceSource('a', 'logs', 'p0', 2, null, false);
  baseline.push(sessionRecord('s1', 10_000, {}, { customer: 'a' }));
  baseline.push(sessionRecord('s2', 10_000, {}, { customer: 'b' }));
  baseline.advanceSource('b', 'logs', 'p0', 2, 5 * MINUTE, false);
  // p1 has carried only customer b: it reports for b, and that is how far a's p1 has read too.
  assert.deepEqual(closedStarts(baseline.advanceSource('a', 'logs', 'p0', 2, 5 * MINUTE, false)), [], 'p1 unheard of');
  const moved = baseline.advanceSource('b', 'logs', 'p1', 2, 3 * MINUTE, false);
  assert.deepEqual(moved.summaries.filter((s) => s.closed).map((s) => `${s.customer}@${s.windowStart}`).sort(), ['a@0', 'b@0']);
  assert.equal(baseline.watermark('a'), 3 * MINUTE);
  // Another group (another log topic) of customer a must report too before a moves on.
  baseline.advanceSource('a', 'other-logs', 'p0', 1, null, false);
  baseline.push(sessionRecord('s3', 4 * MINUTE, {}, { customer: 'a' }));
  assert.deepEqual(closedStarts(baseline.advanceSource('b', 'logs', 'p1', 2, 9 * MINUTE, false)), [], 'a waits for other-logs; b has no window left');
  assert.equal(baseline.watermark('a'), 3 * MINUTE);
  assert.deepEqual(closedStarts(baseline.advanceSource('a', 'other-logs', 'p0', 1, 6 * MINUTE, false)), [4 * MINUTE]);
  // Restored, the groups and their customers are the same.
  const restored = WindowBaseline.restore(JSON.parse(JSON.stringify(baseline.snapshot())), config);
  assert.deepEqual(restored.snapshot(), baseline.snapshot());
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { WindowSummary } from '@weir/contracts';
import { WindowTable } from '../src/window-table.js';

const window = (customer: string, start: number, sessionCount: number, closed = false): WindowSummary => ({
  customer, windowStart: start, windowEnd: start + 60_000, sessionCount, closed, featureSet: 'f', features: {},
});

test('a session joins the window holding its time, else the newest before it, never a later one', () => {
  const table = new WindowTable();
  table.upsert(window('acme', 60_000, 5));
  table.upsert(window('acme', 180_000, 7));
  table.upsert(window('other', 0, 1));
  assert.equal(table.lookup('acme', 90_000)?.windowStart, 60_000);
  assert.equal(table.lookup('acme', 150_000)?.windowStart, 60_000);
  assert.equal(table.lookup('acme', 200_000)?.windowStart, 180_000);
  assert.equal(table.lookup('acme', 30_000), null);
  assert.equal(table.lookup('nobody', 30_000), null);
  assert.equal(table.lookup('other', 10_000)?.sessionCount, 1);
});

test('a window keeps its newest update: closed beats open, more sessions beat fewer', () => {
  const table = new WindowTable();
  table.upsert(window('acme', 0, 5));
  table.upsert(window('acme', 0, 3));
  assert.equal(table.lookup('acme', 0)?.sessionCount, 5);
  table.upsert(window('acme', 0, 6, true));
  table.upsert(window('acme', 0, 9, false));
  assert.equal(table.lookup('acme', 0)?.sessionCount, 6);
  assert.equal(table.lookup('acme', 0)?.closed, true);
});

test('windows are kept by event time: until the retention has passed their end, however many there are', () => {
  const evicted: Array<[string, number]> = [];
  const table = new WindowTable({ retainMs: 10 * 60_000, onEvict: (reason, count) => evicted.push([reason, count]) });
  // 500 windows of a minute, far more than any count-bounded table would keep.
  for (let i = 0; i < 500; i++) table.upsert(window('acme', i * 60_000, i, true));
  table.upsert(window('other', 0, 1, true));
  const acme = table.entries().filter((w) => w.customer === 'acme').map((w) => w.windowStart / 60_000);
  // Newest end is minute 500: windows ending at minute 490 or later stay.
  assert.deepEqual(acme, Array.from({ length: 11 }, (_, i) => 489 + i));
  assert.equal(evicted.reduce((n, [reason, count]) => (assert.equal(reason, 'expired'), n + count), 0), 489);
  assert.equal(table.closedAt('acme', 489 * 60_000 + 1)?.windowStart, 489 * 60_000);
  assert.equal(table.closedAt('acme', 488 * 60_000 + 1), null, 'expired');
  assert.equal(table.lookup('other', 30_000)?.sessionCount, 1, 'each customer by its own event time');
});

test('a cap bounds the windows per customer; what it evicts early is counted', () => {
  const evicted: Array<[string, number]> = [];
  const table = new WindowTable({ retainMs: Infinity, maxWindowsPerCustomer: 3, onEvict: (reason, count) => evicted.push([reason, count]) });
  for (let i = 0; i < 5; i++) table.upsert(window('acme', i * 60_000, i));
  assert.deepEqual(table.entries().map((w) => w.windowStart), [120_000, 180_000, 240_000]);
  assert.deepEqual(evicted, [['over-cap', 1], ['over-cap', 1]]);
  // An update of a held window, or one arriving out of order, lands in its place.
  table.upsert(window('acme', 180_000, 9));
  table.upsert(window('acme', 150_000, 1));
  assert.deepEqual(table.entries().map((w) => [w.windowStart, w.sessionCount]), [[150_000, 1], [180_000, 9], [240_000, 4]]);
});

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

test('only the most recent windows per customer are kept', () => {
  const table = new WindowTable({ windowsPerCustomer: 2 });
  for (let i = 0; i < 5; i++) table.upsert(window('acme', i * 60_000, i));
  assert.deepEqual(table.entries().map((w) => w.windowStart), [180_000, 240_000]);
  assert.equal(table.lookup('acme', 30_000), null);
});

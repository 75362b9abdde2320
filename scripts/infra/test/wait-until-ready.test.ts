/**
 * A server's start is waited for while it makes progress (its log grows), however long that
 * takes on a busy machine; only a stall without an answer, or its death, ends the wait.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { waitUntilReady } from '../probe.js';

test('a start that answers only after many stall limits, its log growing all along, is waited for', async () => {
  let checks = 0;
  let logBytes = 0;
  const result = await waitUntilReady(async () => (++checks < 30 ? `not yet (${checks})` : undefined), {
    stallMs: 20,
    intervalMs: 10,
    // Each poll finds a few more log lines: progress on every step, whatever the scheduler does.
    progress: () => (logBytes += 100),
  });
  assert.deepEqual(result, { ready: true });
  assert.equal(checks, 30);
});

test('a start that neither answers nor logs anything for the stall limit fails, with the last reason', async () => {
  const started = Date.now();
  const result = await waitUntilReady(async () => 'no live broker registered yet', { stallMs: 200, intervalMs: 10, progress: () => 4096 });
  assert.deepEqual(result, { ready: false, reason: 'no live broker registered yet', died: false });
  assert.ok(Date.now() - started >= 200, `waited out the stall limit (${Date.now() - started} ms)`);
});

test('a server that exits while starting ends the wait at once, whatever its progress', async () => {
  let checks = 0;
  const result = await waitUntilReady(async () => {
    checks++;
    throw new Error('connection refused');
  }, { stallMs: 60_000, intervalMs: 10, alive: () => checks < 3, progress: () => checks });
  assert.deepEqual(result, { ready: false, reason: 'connection refused', died: true });
  assert.equal(checks, 3);
});

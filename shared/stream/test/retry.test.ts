import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backoffDelay, RetryAborted, retryUntil, type RetryPolicy } from '../src/retry.js';

const policy: RetryPolicy = { initialMs: 100, maxMs: 1000 };

test('backoff doubles per retry, is capped, and keeps half of it fixed', () => {
  assert.equal(backoffDelay(1, policy, () => 0), 50);
  assert.equal(backoffDelay(1, policy, () => 0.999999), 100);
  assert.equal(backoffDelay(3, policy, () => 0), 200);
  assert.equal(backoffDelay(3, policy, () => 0.999999), 400);
  assert.equal(backoffDelay(10, policy, () => 0), 500);
  assert.equal(backoffDelay(10, policy, () => 0.999999), 1000);
});

class Flaky extends Error {}

test('retryUntil retries what is retryable until it succeeds, the attempts run out, or the signal aborts', async () => {
  const waits: number[] = [];
  const sleep = async (ms: number) => void waits.push(ms);
  const retryable = (err: unknown) => err instanceof Flaky;
  let calls = 0;
  const value = await retryUntil(
    async () => {
      if (++calls < 3) throw new Flaky();
      return 'ok';
    },
    { policy, retryable, sleep, random: () => 0 },
  );
  assert.equal(value, 'ok');
  assert.deepEqual(waits, [50, 100]);

  calls = 0;
  await assert.rejects(retryUntil(async () => { calls++; throw new Flaky(); }, { policy, retryable, sleep, maxAttempts: 4 }), Flaky);
  assert.equal(calls, 4, 'the last failure is rethrown after maxAttempts');

  calls = 0;
  await assert.rejects(retryUntil(async () => { calls++; throw new Error('for good'); }, { policy, retryable, sleep }), /for good/);
  assert.equal(calls, 1, 'what is not retryable is not retried');

  const abort = new AbortController();
  calls = 0;
  await assert.rejects(
    retryUntil(async () => { if (++calls === 2) abort.abort(); throw new Flaky(); }, { policy, retryable, sleep, signal: abort.signal }),
    RetryAborted,
  );
  assert.equal(calls, 2);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { errors } from '@elastic/elasticsearch';
import { bulkOutcomes, describeEsError } from '../src/elasticsearch/bulk-response.js';
import { isEsSinkError } from '../src/elasticsearch/errors.js';
import { backoffDelay, isRetryableError, withRetry, type RetryPolicy } from '../src/elasticsearch/retry.js';

const policy: RetryPolicy = { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 1000 };

/** What the client puts on its errors; only statusCode and body matter here. */
function responseError(statusCode: number, body: Record<string, unknown> = {}): errors.ResponseError {
  return new errors.ResponseError({ body, statusCode, headers: {}, warnings: null, meta: {} as never });
}

test('backoff doubles per retry, is capped, and keeps half of it fixed', () => {
  assert.equal(backoffDelay(1, policy, () => 0), 50);
  assert.equal(backoffDelay(1, policy, () => 0.999999), 100);
  assert.equal(backoffDelay(3, policy, () => 0), 200);
  assert.equal(backoffDelay(3, policy, () => 0.999999), 400);
  assert.equal(backoffDelay(10, policy, () => 0), 500);
  assert.equal(backoffDelay(10, policy, () => 0.999999), 1000);
});

test('retryable: no connection, timeouts, 429 and 502-504; not 400, 401, 404, 500 or anything else', () => {
  assert.ok(isRetryableError(new errors.ConnectionError('connect ECONNREFUSED', {} as never)));
  assert.ok(isRetryableError(new errors.TimeoutError('Request timed out', {} as never)));
  assert.ok(isRetryableError(new errors.NoLivingConnectionsError('no living connections', {} as never)));
  for (const status of [429, 502, 503, 504]) assert.ok(isRetryableError(responseError(status)), String(status));
  for (const status of [400, 401, 403, 404, 413, 500]) assert.ok(!isRetryableError(responseError(status)), String(status));
  assert.ok(!isRetryableError(new Error('a bug')));
});

test('withRetry retries what is retryable until it succeeds or the attempts run out', async () => {
  const waits: number[] = [];
  let calls = 0;
  const value = await withRetry(
    async () => {
      calls++;
      if (calls < 3) throw responseError(503);
      return 'ok';
    },
    policy,
    { sleep: async (ms) => void waits.push(ms), random: () => 0 },
  );
  assert.equal(value, 'ok');
  assert.deepEqual(waits, [50, 100]);

  calls = 0;
  await assert.rejects(
    withRetry(async () => { calls++; throw responseError(429); }, policy, { sleep: async () => {} }),
    (err) => err instanceof errors.ResponseError,
  );
  assert.equal(calls, policy.maxAttempts);

  calls = 0;
  await assert.rejects(withRetry(async () => { calls++; throw responseError(401); }, policy, { sleep: async () => {} }));
  assert.equal(calls, 1, 'a 401 is not retried');
});

test('bulk items: created, replaced, stale version, retryable and rejected', () => {
  const body = {
    errors: true,
    items: [
      { index: { _id: 'a', status: 201, result: 'created' } },
      { index: { _id: 'b', status: 200, result: 'updated' } },
      { index: { _id: 'c', status: 409, error: { type: 'version_conflict_engine_exception', reason: '[c]: version conflict' } } },
      { index: { _id: 'd', status: 429, error: { type: 'es_rejected_execution_exception', reason: 'rejected execution' } } },
      {
        index: {
          _id: 'e',
          status: 400,
          error: {
            type: 'mapper_parsing_exception',
            reason: 'failed to parse field [source.ip] of type [ip]',
            caused_by: { type: 'illegal_argument_exception', reason: "'x' is not an IP string literal." },
          },
        },
      },
      { index: { _id: 'f', status: 409, error: { type: 'strict_dynamic_mapping_exception', reason: 'not a version conflict' } } },
    ],
  };
  assert.deepEqual(bulkOutcomes(body, ['a', 'b', 'c', 'd', 'e', 'f']), [
    { kind: 'created' },
    { kind: 'replaced' },
    { kind: 'stale' },
    { kind: 'retry', status: 429, error: 'es_rejected_execution_exception: rejected execution' },
    {
      kind: 'rejected',
      status: 400,
      errorType: 'mapper_parsing_exception',
      error:
        "mapper_parsing_exception: failed to parse field [source.ip] of type [ip] (caused by illegal_argument_exception: 'x' is not an IP string literal.)",
    },
    { kind: 'rejected', status: 409, errorType: 'strict_dynamic_mapping_exception', error: 'strict_dynamic_mapping_exception: not a version conflict' },
  ]);
});

test('a bulk response that does not line up with the request fails with WEIR_ES_RESPONSE', () => {
  const one = { errors: false, items: [{ index: { _id: 'a', status: 201, result: 'created' } }] };
  const isResponseError = (err: unknown) => isEsSinkError(err, 'WEIR_ES_RESPONSE');
  assert.throws(() => bulkOutcomes(one, ['a', 'b']), isResponseError);
  assert.throws(() => bulkOutcomes(one, ['b']), isResponseError);
  assert.throws(() => bulkOutcomes({ errors: false }, []), isResponseError);
  assert.throws(() => bulkOutcomes({ items: [{ create: { status: 201 } }] }, ['a']), isResponseError);
  assert.equal(describeEsError(undefined), 'no error given');
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { errors } from '@elastic/elasticsearch';
import { bulkOutcomes, describeEsError } from '../src/elasticsearch/bulk-response.js';
import { isEsSinkError } from '../src/elasticsearch/errors.js';
import { isRetryableError } from '../src/elasticsearch/transient.js';

/** What the client puts on its errors; only statusCode and body matter here. */
function responseError(statusCode: number, body: Record<string, unknown> = {}): errors.ResponseError {
  return new errors.ResponseError({ body, statusCode, headers: {}, warnings: null, meta: {} as never });
}

test('retryable: no connection, timeouts, 429 and 502-504; not 400, 401, 404, 500 or anything else', () => {
  assert.ok(isRetryableError(new errors.ConnectionError('connect ECONNREFUSED', {} as never)));
  assert.ok(isRetryableError(new errors.TimeoutError('Request timed out', {} as never)));
  assert.ok(isRetryableError(new errors.NoLivingConnectionsError('no living connections', {} as never)));
  for (const status of [429, 502, 503, 504]) assert.ok(isRetryableError(responseError(status)), String(status));
  for (const status of [400, 401, 403, 404, 413, 500]) assert.ok(!isRetryableError(responseError(status)), String(status));
  assert.ok(!isRetryableError(new Error('a bug')));
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

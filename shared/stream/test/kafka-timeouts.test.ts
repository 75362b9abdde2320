/**
 * Which kafkajs errors only say the broker did not answer in time (isTimedOut): the leader wait
 * counts those as no progress, and fails on anything else. Built with kafkajs's own error classes,
 * wrapped as its retrier wraps them, and a refused connection from a real kafkajs client.
 */
import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import { test } from 'node:test';
import kafkajs from 'kafkajs';
import { isTimedOut } from '../src/kafka/errors.js';

const { Kafka, logLevel, KafkaJSConnectionError, KafkaJSNonRetriableError, KafkaJSNumberOfRetriesExceeded, KafkaJSProtocolError, KafkaJSRequestTimeoutError } = kafkajs;

/** What kafkajs's retrier rejects with on `bail(e)` (its typings lack the options argument). */
function bailed(e: Error): Error {
  return Reflect.construct(KafkaJSNonRetriableError, [e, { cause: (e.cause as Error | undefined) ?? e }]) as Error;
}

test('a request timeout counts, however kafkajs wrapped it', () => {
  const timeout = new KafkaJSRequestTimeoutError('Request Metadata(key: 3, version: 6) timed out', {
    broker: '127.0.0.1:19092',
    clientId: 'weir',
    correlationId: 7,
    createdAt: 0,
    sentAt: 0,
    pendingDuration: 0,
  });
  assert.equal(isTimedOut(timeout), true);
  // cluster.metadata's retrier bails with brokerPool.refreshMetadata's bail inside.
  assert.equal(isTimedOut(bailed(bailed(timeout))), true);
  assert.equal(isTimedOut(new KafkaJSNumberOfRetriesExceeded(timeout, { retryCount: 5, retryTime: 2000 })), true);
});

test('a connection not made within the connection timeout counts; a refused one does not', () => {
  assert.equal(isTimedOut(new KafkaJSConnectionError('Connection timeout', { broker: '127.0.0.1:19092' })), true);
  assert.equal(isTimedOut(new KafkaJSConnectionError('Connection error: connect ECONNREFUSED 127.0.0.1:19092', { broker: '127.0.0.1:19092', code: 'ECONNREFUSED' })), false);
});

test('an answer with an error, or anything else, does not count', () => {
  assert.equal(isTimedOut(bailed(Object.assign(new KafkaJSProtocolError('Not authorized to access topics'), { type: 'TOPIC_AUTHORIZATION_FAILED' }))), false);
  assert.equal(isTimedOut(new Error('timed out')), false);
  assert.equal(isTimedOut(undefined), false);
});

test('a real kafkajs client refused its connection: not a timeout', async () => {
  // A port that was listened on and closed: nothing answers there.
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  const admin = new Kafka({ brokers: [`127.0.0.1:${port}`], logLevel: logLevel.NOTHING, retry: { retries: 1, initialRetryTime: 50, maxRetryTime: 100 } }).admin();
  try {
    const err = await admin.connect().then(
      () => assert.fail('connected to a closed port'),
      (e: unknown) => e,
    );
    assert.match(String((err as Error).message), /ECONNREFUSED/);
    assert.equal(isTimedOut(err), false);
  } finally {
    await admin.disconnect();
  }
});

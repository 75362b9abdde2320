/**
 * Creating a topic on a broker that answers the CreateTopics with a timeout (the controller's
 * REQUEST_TIMED_OUT, or no answer within the request timeout), as a starved broker did for the
 * crash test beside a CPU hog: asked again with the project's backoff; a topic that exists on a
 * later attempt counts as created (the timed-out create may have landed); timeouts alone for a
 * stall end it with WEIR_BUS_TIMED_OUT; any other failure ends it at once. Stand-in admins built
 * with the clients' own error shapes (kafkajs's classes and its CreateTopics decoder's error).
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import kafkajs, { type Admin } from 'kafkajs';
import type { KafkaJS } from '@confluentinc/kafka-javascript';
import { backoffDelay, DEFAULT_RETRY } from '../src/retry.js';
import { StreamError } from '../src/errors.js';
import { createTopicRetrying } from '../src/client/topics.js';
import { KafkaAdmin } from '../src/kafka/admin.js';
import { ConfluentAdmin } from '../src/confluent/admin.js';

const { KafkaJSAggregateError, KafkaJSRequestTimeoutError } = kafkajs;
const require = createRequire(import.meta.url);
/** kafkajs's own: what its CreateTopics response decoder makes of a topic's error code. */
const { createErrorFromCode } = require('kafkajs/src/protocol/error.js') as { createErrorFromCode(code: number): Error };
const { KafkaJSCreateTopicError } = require('kafkajs/src/errors.js') as { KafkaJSCreateTopicError: new (e: Error, topic: string) => Error };

const REQUEST_TIMED_OUT = 7;
const INVALID_REPLICATION_FACTOR = 38;

/** What kafkajs's admin.createTopics rejects with when the controller answers the topic with `code`. */
function topicError(topic: string, code: number): Error {
  return new KafkaJSAggregateError('Topic creation errors', [new KafkaJSCreateTopicError(createErrorFromCode(code), topic)]);
}

function requestTimeout(): Error {
  return new KafkaJSRequestTimeoutError('Request CreateTopics(key: 19, version: 3) timed out', {
    broker: '127.0.0.1:19092',
    clientId: 'weir',
    correlationId: 9,
    createdAt: 0,
    sentAt: 0,
    pendingDuration: 0,
  });
}

/** A kafkajs admin whose n-th createTopics does `answer(n)`; its metadata lists topic `b`, led. */
function creatingAdmin(answer: (call: number) => boolean | Error): { admin: Admin; creates: () => number; metadataCalls: () => number } {
  let creates = 0;
  let metadataCalls = 0;
  const admin = {
    createTopics: async () => {
      const result = answer(++creates);
      if (result instanceof Error) throw result;
      return result;
    },
    fetchTopicMetadata: async ({ topics = [] }: { topics?: string[] } = {}) => {
      metadataCalls++;
      return { topics: ['b'].filter((t) => topics.length === 0 || topics.includes(t)).map((name) => ({ name, partitions: [{ partitionId: 0, leader: 1 }] })) };
    },
  };
  return { admin: admin as unknown as Admin, creates: () => creates, metadataCalls: () => metadataCalls };
}

test('the errors are the ones kafkajs makes: a REQUEST_TIMED_OUT answer per topic', () => {
  const err = topicError('b', REQUEST_TIMED_OUT) as Error & { errors: Array<{ type: string; topic: string }> };
  assert.deepEqual(err.errors.map((e) => [e.type, e.topic]), [['REQUEST_TIMED_OUT', 'b']]);
});

test('kafkajs: a create the controller answered REQUEST_TIMED_OUT is asked again, and the topic created', async () => {
  const { admin, creates, metadataCalls } = creatingAdmin((call) => (call === 1 ? topicError('b', REQUEST_TIMED_OUT) : true));
  assert.deepEqual(await new KafkaAdmin(admin).createTopics([{ topic: 'b', partitions: 1 }]), ['b']);
  assert.equal(creates(), 2);
  assert.ok(metadataCalls() >= 1, 'the leaders were waited for');
});

test('kafkajs: a topic that exists after a timed-out create counts as created (the create may have landed)', async () => {
  const { admin, creates } = creatingAdmin((call) => (call === 1 ? requestTimeout() : call === 2 ? topicError('b', REQUEST_TIMED_OUT) : false));
  assert.deepEqual(await new KafkaAdmin(admin).createTopics([{ topic: 'b', partitions: 1 }]), ['b']);
  assert.equal(creates(), 3);
});

test('kafkajs: a topic that existed before, without a timeout, is still not reported as created', async () => {
  const { admin, creates } = creatingAdmin(() => false);
  assert.deepEqual(await new KafkaAdmin(admin).createTopics([{ topic: 'b', partitions: 1 }]), []);
  assert.equal(creates(), 1);
});

test('kafkajs: another error of the create fails at once, as before', async () => {
  const { admin, creates } = creatingAdmin(() => topicError('b', INVALID_REPLICATION_FACTOR));
  await assert.rejects(new KafkaAdmin(admin).createTopics([{ topic: 'b', partitions: 1 }]), (err: unknown) => err instanceof StreamError && err.code === 'WEIR_BUS_KAFKA' && /create topic b/.test(err.message));
  assert.equal(creates(), 1);
});

test('confluent: the per-topic REQUEST_TIMED_OUT in its aggregate error is asked again', async () => {
  let creates = 0;
  const admin = {
    createTopics: async () => {
      if (++creates === 1) {
        // The client's shape: a KafkaJSAggregateError of KafkaJSCreateTopicErrors carrying librdkafka's code.
        throw Object.assign(new Error('Topic creation errors'), { name: 'KafkaJSAggregateError', errors: [Object.assign(new Error('Broker: Request timed out'), { name: 'KafkaJSCreateTopicError', code: REQUEST_TIMED_OUT, topic: 'b' })] });
      }
      return true;
    },
    fetchTopicMetadata: async () => [{ name: 'b', partitions: [{ partitionId: 0, leader: 1 }] }],
    listTopics: async () => ['b'],
  } as unknown as KafkaJS.Admin;
  const fallback = () => Promise.reject(new Error('not used'));
  assert.deepEqual(await new ConfluentAdmin(admin, fallback).createTopics([{ topic: 'b', partitions: 1 }]), ['b']);
  assert.equal(creates, 2);
});

test('timeouts alone for the stall limit end the create with WEIR_BUS_TIMED_OUT, after the project backoff between attempts', async () => {
  let clock = 0;
  const waits: number[] = [];
  let attempts = 0;
  const failure = await createTopicRetrying(
    'b',
    {
      create: async () => {
        attempts++;
        throw topicError('b', REQUEST_TIMED_OUT);
      },
      timedOut: (err) => err instanceof KafkaJSAggregateError,
      toError: (err, doing) => new StreamError('WEIR_BUS_KAFKA', `${doing}: ${(err as Error).message}`),
    },
    {
      stallMs: 60_000,
      now: () => clock,
      random: () => 0.5,
      sleep: async (ms) => {
        waits.push(ms);
        clock += ms + 5_000; // each attempt takes the broker's 5 s CreateTopics timeout
      },
    },
  ).then(
    () => assert.fail('the create succeeded'),
    (err: unknown) => err,
  );
  assert.ok(failure instanceof StreamError, String(failure));
  assert.equal(failure.code, 'WEIR_BUS_TIMED_OUT');
  assert.match(failure.message, /^create topic b: the broker answered \d+ attempts with timeouts only, for \d+ ms \(stall limit 60000 ms\); the last: .*Topic creation errors/);
  assert.deepEqual(waits, waits.map((_, i) => backoffDelay(i + 1, DEFAULT_RETRY, () => 0.5)));
  assert.equal(attempts, waits.length + 1);
  assert.ok(clock >= 60_000 && clock < 60_000 + 10_000 + 5_000, `gave up soon after the stall: ${clock} ms`);
});

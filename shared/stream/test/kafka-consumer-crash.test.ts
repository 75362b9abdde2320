/**
 * kafkajs gives up on a consumer whose crash it deems fatal. Some of those only say that no broker
 * answered: while a broker restarted, every broker refused the FindCoordinator of a rejoin
 * (KafkaJSGroupCoordinatorNotFound), kafkajs did not restart the consumer, and the score stage
 * stopped for good. The consumer is started again instead, as long as the broker stays away; any
 * other fatal crash still fails the consumer. A kafkajs consumer stand-in: no broker needed.
 */
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { test } from 'node:test';
import kafkajs, { type Kafka } from 'kafkajs';
import { DEFAULT_KAFKA_TUNING } from '../src/config.js';
import { StreamError } from '../src/errors.js';
import type { KafkaAdmin } from '../src/kafka/admin.js';
import { KafkaConsumer } from '../src/kafka/consumer.js';
import { silentLogger } from '../src/log.js';

/** kafkajs's error classes as they are at run time (its typings declare fewer constructor arguments). */
type KafkaJSErrorClass = new (message: string | Error, options?: { cause?: Error }) => Error;
// Spread into kafkajs's CommonJS exports, which Node's ESM loader cannot name.
const { KafkaJSGroupCoordinatorNotFound, KafkaJSNonRetriableError } = kafkajs as unknown as Record<'KafkaJSGroupCoordinatorNotFound' | 'KafkaJSNonRetriableError', KafkaJSErrorClass>;

/** What KafkaConsumer uses of a kafkajs consumer; each run() is counted and announced. */
class ClientConsumer {
  readonly events = { GROUP_JOIN: 'join', STOP: 'stop', CRASH: 'crash', END_BATCH_PROCESS: 'end' };
  private readonly emitter = new EventEmitter();
  runs = 0;
  private waiting: Array<{ count: number; resolve: () => void }> = [];

  on(name: string, listener: (event: unknown) => void): () => void {
    this.emitter.on(name, listener);
    return () => this.emitter.off(name, listener);
  }
  async connect(): Promise<void> {}
  async subscribe(): Promise<void> {}
  async run(): Promise<void> {
    this.runs++;
    for (const w of this.waiting.filter((w) => this.runs >= w.count)) w.resolve();
  }
  async stop(): Promise<void> {}
  async disconnect(): Promise<void> {}

  /** As kafkajs does on a crash: stopped and disconnected, then CRASH with whether it restarts. */
  crash(error: Error, restart: boolean): void {
    this.emitter.emit('stop', {});
    this.emitter.emit('crash', { payload: { error, restart } });
  }

  ran(count: number): Promise<void> {
    return new Promise((resolve) => (this.runs >= count ? resolve() : this.waiting.push({ count, resolve })));
  }
}

async function running() {
  const client = new ClientConsumer();
  const failures: Error[] = [];
  const kafka = { consumer: () => client } as unknown as Kafka;
  const admin = { listTopics: async () => ['in'] } as unknown as KafkaAdmin;
  const consumer = new KafkaConsumer(kafka, admin, { groupId: 'g', onFailure: (err) => failures.push(err) }, DEFAULT_KAFKA_TUNING, silentLogger(), () => undefined);
  await consumer.subscribe(['in']);
  await consumer.run(async () => undefined);
  assert.equal(client.runs, 1);
  return { client, failures, consumer };
}

/** The error kafkajs's findGroupCoordinator bails with when no broker answered. */
function noCoordinator(): Error {
  const cause = new KafkaJSGroupCoordinatorNotFound('Failed to find group coordinator');
  return new KafkaJSNonRetriableError(cause, { cause });
}

test('a consumer kafkajs gave up on because no broker answered is started again, for as long as the broker stays away', async () => {
  const { client, failures, consumer } = await running();
  client.crash(noCoordinator(), false);
  await client.ran(2);
  // The broker is still away: the restart's join fails the same way, and it is started again.
  client.crash(noCoordinator(), false);
  await client.ran(3);
  assert.deepEqual(failures, [], 'the consumer did not fail');
  await consumer.stop();
});

test('any other crash kafkajs does not restart from fails the consumer, with a stream error', async () => {
  const { client, failures, consumer } = await running();
  client.crash(new KafkaJSNonRetriableError('Invalid topic'), false);
  assert.equal(failures.length, 1);
  assert.ok(failures[0] instanceof StreamError && failures[0].code === 'WEIR_BUS_KAFKA', String(failures[0]));
  assert.match(failures[0].message, /consumer of group g: Invalid topic/);
  assert.equal(client.runs, 1, 'not started again');
  await consumer.stop();
});

test('a crash after the consumer was stopped starts nothing', async () => {
  const { client, failures, consumer } = await running();
  await consumer.stop();
  client.crash(noCoordinator(), false);
  assert.deepEqual(failures, []);
  assert.equal(client.runs, 1);
});

/**
 * What the confluent group consumer promises beyond the bus contract: fetching goes on for every
 * partition while one's batch is in hand, position() counts what the handler has had (not what
 * librdkafka fetched), a partition that ends in a transaction marker is caught up at its end,
 * a partition whose queue fills while its handler is stuck is paused in librdkafka until it drains,
 * a handler may commit while its partition is being revoked, and a partition paused when revoked
 * is fetched again when it comes back.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { MessageBatch, TopicPartition } from '../src/bus.js';
import type { ConfluentBus } from '../src/confluent/index.js';
import { ConfluentConsumer } from '../src/confluent/consumer.js';
import { deleteTestTopics, text, uniqueName, waitFor } from './helpers.js';
import { confluentTestBus } from './kafka-test-bus.js';

let bus: ConfluentBus;
before(async () => {
  bus = await confluentTestBus('confluent-consumer-test');
});
after(async () => {
  await deleteTestTopics(bus);
  await bus.close();
});

/** A gate a handler waits at until opened. */
function gate(): { wait: Promise<void>; open: () => void } {
  let open = () => undefined as void;
  const wait = new Promise<void>((resolve) => (open = resolve));
  return { wait, open };
}

/** How far librdkafka itself has fetched the partition for the application. */
function fetchedThrough(consumer: ConfluentConsumer, tp: TopicPartition): number {
  const [found] = consumer.internal().position([tp]);
  return typeof found?.offset === 'number' ? found.offset : -1;
}

/** librdkafka's ERR__REVOKE_PARTITIONS, as its rebalance event reports it. */
const REVOKE_PARTITIONS = -174;

function confluentConsumer(consumer: unknown): ConfluentConsumer {
  assert.ok(consumer instanceof ConfluentConsumer);
  return consumer;
}

test('a partition whose batch is in hand does not hold back fetching for the others', async () => {
  const topic = uniqueName('no-barrier');
  await bus.admin.createTopics([{ topic, partitions: 2 }]);
  const producer = await bus.producer();
  const stuck = gate();
  const delivered: number[] = [];
  let firstEntered = false;
  const consumer = bus.consumer({ groupId: uniqueName('g'), concurrency: 2 });
  await consumer.subscribe([topic]);
  await consumer.run(async (batch: MessageBatch) => {
    delivered.push(...batch.messages.map((m) => m.partition));
    if (batch.partition === 0) {
      firstEntered = true;
      await stuck.wait;
    }
  });
  await producer.send([{ topic, key: null, value: text('p0'), partition: 0 }]);
  await waitFor('partition 0 in hand', () => firstEntered);
  // Written only now: fetched while partition 0's batch is still in hand.
  await producer.send([{ topic, key: null, value: text('p1'), partition: 1 }]);
  await waitFor('partition 1 delivered', () => delivered.includes(1));
  stuck.open();
  await consumer.stop();
  await producer.close();
});

test('position() is after the records handled, not after those librdkafka fetched', async () => {
  const topic = uniqueName('position');
  await bus.admin.createTopics([{ topic, partitions: 1 }]);
  const producer = await bus.producer();
  await producer.send(Array.from({ length: 10 }, (_, i) => ({ topic, key: null, value: text(`v${i}`), partition: 0 })));
  const tp = { topic, partition: 0 };
  const stuck = gate();
  let handled = 0;
  // Batches of one record: the first is held while the other nine are fetched behind it.
  const consumer = confluentConsumer(bus.consumer({ groupId: uniqueName('g'), maxBatchBytes: 1 }));
  await consumer.subscribe([topic]);
  await consumer.run(async (batch) => {
    await stuck.wait;
    handled += batch.messages.length;
  });
  await waitFor('librdkafka fetched all ten', () => fetchedThrough(consumer, tp) === 10);
  assert.equal(handled, 0);
  assert.ok((consumer.position(tp) ?? 0) === 0, `position ${consumer.position(tp)} counts records not handled`);
  stuck.open();
  await waitFor('all ten handled', () => handled === 10);
  await waitFor('position at the end', () => consumer.position(tp) === 10);
  await consumer.stop();
  await producer.close();
});

test('a partition that ends in a transaction marker reaches its end offset', async () => {
  const topic = uniqueName('marker');
  await bus.admin.createTopics([{ topic, partitions: 1 }]);
  const producer = await bus.producer({ transactionalId: uniqueName('tx') });
  const transaction = await producer.beginTransaction();
  await transaction.send(Array.from({ length: 3 }, (_, i) => ({ topic, key: null, value: text(`t${i}`), partition: 0 })));
  await transaction.commit();
  // The coordinator writes the markers after it answered the commit: the end moves a moment later.
  const high = await waitFor('three records and the commit marker', async () => ((await bus.admin.fetchTopicOffsets(topic))[0]?.high === 4 ? 4 : undefined));
  let handled = 0;
  const consumer = bus.consumer({ groupId: uniqueName('g') });
  await consumer.subscribe([topic]);
  await consumer.run(async (batch) => {
    handled += batch.messages.length;
  });
  await waitFor('the marker passed over', () => consumer.position({ topic, partition: 0 }) === high);
  assert.equal(handled, 3);
  await consumer.stop();
  await producer.close();
});

test('a partition whose queue fills while its handler is stuck is paused in librdkafka, and resumed as it drains', async () => {
  const topic = uniqueName('held');
  await bus.admin.createTopics([{ topic, partitions: 1 }]);
  const producer = await bus.producer();
  const records = 400;
  const value = Buffer.alloc(100, 1);
  for (let i = 0; i < records; i += 20) {
    await producer.send(Array.from({ length: 20 }, () => ({ topic, key: null, value, partition: 0 })));
  }
  const stuck = gate();
  const offsets: number[] = [];
  // Batches of about ten records: 400 of them are ten batches, more than a partition may queue.
  const consumer = confluentConsumer(bus.consumer({ groupId: uniqueName('g'), maxBatchBytes: 1000 }));
  const calls: string[] = [];
  const client = consumer.internal();
  const pause = client.pause.bind(client);
  const resume = client.resume.bind(client);
  client.pause = (tps: TopicPartition[]) => {
    calls.push(...tps.map((tp) => `pause ${tp.topic}:${tp.partition}`));
    return pause(tps);
  };
  client.resume = (tps: TopicPartition[]) => {
    calls.push(...tps.map((tp) => `resume ${tp.topic}:${tp.partition}`));
    return resume(tps);
  };
  await consumer.subscribe([topic]);
  await consumer.run(async (batch) => {
    await stuck.wait;
    offsets.push(...batch.messages.map((m) => m.offset));
  });
  await waitFor('the partition paused', () => calls.includes(`pause ${topic}:0`));
  assert.equal(offsets.length, 0);
  stuck.open();
  await waitFor('every record handled', () => offsets.length >= records);
  // Resumed after it was paused (a partition is also resumed once as it is assigned).
  const paused = calls.indexOf(`pause ${topic}:0`);
  assert.ok(paused >= 0 && calls.indexOf(`resume ${topic}:0`, paused) > paused, calls.join(', '));
  // Fetched again from where the queue ended: nothing skipped, nothing twice.
  assert.deepEqual(offsets, Array.from({ length: records }, (_, i) => i));
  await consumer.stop();
  await producer.close();
});

test('a batch whose handler commits while its partition is being revoked: the commit is answered and the partition handed over', async () => {
  const topic = uniqueName('revoke-commit');
  const groupId = uniqueName('g');
  await bus.admin.createTopics([{ topic, partitions: 2 }]);
  const producer = await bus.producer();
  await producer.send([0, 1].map((partition) => ({ topic, key: null, value: text(`p${partition}`), partition })));
  const first = confluentConsumer(bus.consumer({ groupId, concurrency: 2, sessionTimeoutMs: 10_000 }));
  let revoking = false;
  first.internal().on('rebalance', (err: { code: number }) => {
    if (err.code === REVOKE_PARTITIONS) revoking = true;
  });
  const committed: number[] = [];
  let inHand = 0;
  await first.subscribe([topic]);
  await first.run(async (batch) => {
    inHand++;
    // Held until the group takes a partition back: the revocation waits for this batch, which waits for its commit.
    await waitFor('a revocation', () => revoking, 60_000);
    const offset = { topic, partition: batch.partition, offset: batch.messages[batch.messages.length - 1]!.offset + 1 };
    // The partition kept may have its commit refused while the group rebalances
    // (REBALANCE_IN_PROGRESS, ILLEGAL_GENERATION): the runner retries those, and so does this.
    await waitFor(`partition ${batch.partition}'s commit accepted`, () => first.commit([offset]).then(() => true, () => false), 60_000);
    committed.push(batch.partition);
  });
  await waitFor('both partitions in hand', () => inHand === 2);
  const second = bus.consumer({ groupId, sessionTimeoutMs: 10_000 });
  await second.subscribe([topic]);
  await second.run(async () => undefined);
  await waitFor('the second member holding a partition', () => second.assignment().length === 1, 60_000);
  await waitFor('both batches committed', () => committed.length === 2, 60_000);
  assert.deepEqual(committed.sort(), [0, 1]);
  assert.deepEqual((await bus.admin.fetchCommittedOffsets(groupId, [topic])).map((o) => o.offset), [1, 1]);
  await second.stop();
  await first.stop();
  await producer.close();
});

test('a partition paused for a full queue, revoked and assigned back, is fetched again', async () => {
  const topic = uniqueName('held-revoked');
  const groupId = uniqueName('g');
  await bus.admin.createTopics([{ topic, partitions: 2 }]);
  const producer = await bus.producer();
  const value = Buffer.alloc(100, 1);
  for (const partition of [0, 1]) {
    for (let i = 0; i < 400; i += 50) await producer.send(Array.from({ length: 50 }, () => ({ topic, key: null, value, partition })));
  }
  const stuck = gate();
  const handled = new Map<number, number>([
    [0, 0],
    [1, 0],
  ]);
  const inHand: MessageBatch[] = [];
  // Batches of about ten records: the stuck handlers leave both queues full, so both are paused.
  const first = confluentConsumer(bus.consumer({ groupId, maxBatchBytes: 1000, concurrency: 2, sessionTimeoutMs: 10_000 }));
  const paused = new Set<number>();
  const client = first.internal();
  const pause = client.pause.bind(client);
  client.pause = (tps: TopicPartition[]) => {
    for (const tp of tps) paused.add(tp.partition);
    return pause(tps);
  };
  await first.subscribe([topic]);
  await first.run(async (batch) => {
    inHand.push(batch);
    await stuck.wait;
    handled.set(batch.partition, handled.get(batch.partition)! + batch.messages.length);
  });
  await waitFor('both partitions paused in librdkafka', () => paused.size === 2);
  const second = bus.consumer({ groupId, sessionTimeoutMs: 10_000 });
  await second.subscribe([topic]);
  await second.run(async () => undefined);
  // The revocation has begun (its batch is stale) while the partition is still paused.
  await waitFor('a batch in hand made stale by the revocation', () => inHand.some((b) => b.isStale()), 60_000);
  stuck.open();
  await waitFor('the second member holding a partition', () => second.assignment().length === 1, 60_000);
  const moved = second.assignment()[0]!.partition;
  await second.stop();
  await waitFor('the first member holding both again', () => first.assignment().length === 2, 60_000);
  const before = handled.get(moved)!;
  await producer.send([{ topic, key: null, value: text('after'), partition: moved }]);
  await waitFor(`partition ${moved} handled again`, () => handled.get(moved)! > before, 30_000);
  await first.stop();
  await producer.close();
});

/**
 * A kafkajs member keeps its place in the group while a batch is in hand for longer than the
 * session timeout. kafkajs heartbeats only between batches; on a saturated CPU a transaction's
 * commit, a restore or a dependency wait held batches that long, and the coordinator dropped the
 * member (a rebalance of the whole group, every partition's state restored again). The proof is
 * the group on the broker and the commit after the long batch.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { Kafka, type Admin } from 'kafkajs';
import type { TopicPartition } from '../src/bus.js';
import type { KafkaBus } from '../src/kafka/index.js';
import { kafkaTestBus, kafkaTestConnection } from './kafka-test-bus.js';
import { deleteTestTopics, text, uniqueName, waitFor } from './helpers.js';

const SESSION_TIMEOUT_MS = 6000;

let bus: KafkaBus;
let admin: Admin;

before(async () => {
  bus = await kafkaTestBus('kafka-consumer-heartbeat-test');
  admin = new Kafka({ clientId: 'kafka-consumer-heartbeat-test', brokers: kafkaTestConnection().connection.brokers, logLevel: 0 }).admin();
  await admin.connect();
});
after(async () => {
  await deleteTestTopics(bus);
  await bus.close();
  await admin.disconnect();
});

async function members(groupId: string): Promise<string[]> {
  const { groups } = await admin.describeGroups([groupId]);
  return (groups.find((g) => g.groupId === groupId)?.members ?? []).map((m) => m.memberId);
}

test('a batch in hand for 2.5 session timeouts keeps its member in the group, and its commit goes through', { timeout: 120_000 }, async () => {
  const topic = uniqueName('long-batch');
  const groupId = uniqueName('long-batch-group');
  await bus.admin.createTopics([{ topic, partitions: 1 }]);
  const producer = await bus.producer();
  await producer.send([{ topic, key: text('k'), value: text('v') }]);
  await producer.close();

  const revoked: TopicPartition[] = [];
  let before: string[] = [];
  let held = false;
  let committed: Error | null | undefined;
  const consumer = bus.consumer({ groupId, startFrom: 'earliest', sessionTimeoutMs: SESSION_TIMEOUT_MS, onPartitionsRevoked: async (p) => void revoked.push(...p) });
  await consumer.subscribe([topic]);
  await consumer.run(async (batch) => {
    if (held) return;
    before = await members(groupId);
    // Busy elsewhere (a transaction, a restore): no heartbeat asked for by the handler.
    await delay(2.5 * SESSION_TIMEOUT_MS);
    held = true;
    committed = await consumer.commit([{ topic, partition: batch.partition, offset: batch.messages.at(-1)!.offset + 1 }]).then(
      () => null,
      (err: Error) => err,
    );
  });
  try {
    await waitFor('the long batch to end', () => committed !== undefined, 60_000);
    assert.equal(before.length, 1, 'one member while the batch was in hand');
    assert.deepEqual(await members(groupId), before, 'the same member after it: not dropped and joined again');
    assert.equal(committed, null, `the commit after the long batch: ${committed?.message}`);
    assert.deepEqual(revoked, [], 'no partition was revoked');
    assert.deepEqual(await consumer.committed([topic]), [{ topic, partition: 0, offset: 1 }]);
  } finally {
    await consumer.stop();
  }
});

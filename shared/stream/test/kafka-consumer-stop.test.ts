/**
 * A kafkajs consumer stopped while it is still starting must end for real. kafkajs's runner
 * ignores a stop until its join has finished, and the join's next request connects the client
 * again: a consumer stopped mid-join then joined anyway and fetched forever, holding its process
 * open (seen after failed end-to-end tests, whose cleanup stopped consumers that were joining).
 * The proof is the group on the broker: once `stop` has resolved, the stopped member is not in it.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Kafka, type Admin } from 'kafkajs';
import type { KafkaBus } from '../src/kafka/index.js';
import { StreamError } from '../src/errors.js';
import { kafkaTestBus, kafkaTestConnection } from './kafka-test-bus.js';
import { deleteTestTopics, text, uniqueName, waitFor } from './helpers.js';

let bus: KafkaBus;
/** A plain admin client: the group's state (PreparingRebalance, Stable) is not on the bus's admin. */
let admin: Admin;

before(async () => {
  bus = await kafkaTestBus('kafka-consumer-stop-test');
  admin = new Kafka({ clientId: 'kafka-consumer-stop-test', brokers: kafkaTestConnection().connection.brokers, logLevel: 0 }).admin();
  await admin.connect();
});
after(async () => {
  await deleteTestTopics(bus);
  await bus.close();
  await admin.disconnect();
});

async function group(groupId: string): Promise<{ state: string; members: string[] }> {
  const { groups } = await admin.describeGroups([groupId]);
  const found = groups.find((g) => g.groupId === groupId);
  return { state: found?.state ?? 'Dead', members: (found?.members ?? []).map((m) => m.memberId) };
}

async function topicWithOneRecord(label: string): Promise<string> {
  const topic = uniqueName(label);
  await bus.admin.createTopics([{ topic, partitions: 1 }]);
  const producer = await bus.producer();
  await producer.send([{ topic, key: text('k'), value: text('v') }]);
  await producer.close();
  return topic;
}

test('a consumer stopped while its join is in progress is out of the group once stop resolves', { timeout: 120_000 }, async () => {
  const topic = await topicWithOneRecord('stop-mid-join');
  const groupId = uniqueName('stop-mid-join-group');

  // A holds a batch, so it rejoins only when released: B's join waits for it.
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let holding = false;
  const first = bus.consumer({ groupId, startFrom: 'earliest', sessionTimeoutMs: 60_000 });
  await first.subscribe([topic]);
  await first.run(async () => {
    holding = true;
    await released;
  });
  await waitFor('the first member to hold its batch', () => holding, 60_000);
  const [firstMember] = (await group(groupId)).members;

  const second = bus.consumer({ groupId, startFrom: 'earliest' });
  await second.subscribe([topic]);
  const secondRun = second.run(async () => undefined);
  // The second member's JoinGroup is with the coordinator, waiting for the first to rejoin.
  await waitFor('the second member to be joining', async () => (await group(groupId)).state === 'PreparingRebalance', 60_000);

  const stopping = second.stop();
  release();
  await stopping;
  await secondRun.catch(() => undefined);

  const settled = await waitFor(
    'the group to settle',
    async () => {
      const now = await group(groupId);
      return now.state === 'Stable' ? now : undefined;
    },
    60_000,
  );
  assert.deepEqual(settled.members, [firstMember], 'only the first member is in the group: the stopped one did not join after its stop');
  await first.stop();
});

test('a consumer stopped before its connect has finished never joins', { timeout: 60_000 }, async () => {
  const topic = await topicWithOneRecord('stop-at-connect');
  const groupId = uniqueName('stop-at-connect-group');
  let delivered = 0;
  const consumer = bus.consumer({ groupId, startFrom: 'earliest' });
  await consumer.subscribe([topic]);
  const running = consumer.run(async (batch) => void (delivered += batch.messages.length));
  await consumer.stop();
  await running;
  assert.deepEqual(await group(groupId), { state: 'Dead', members: [] }, 'the group was never joined');
  assert.equal(delivered, 0);
  await assert.rejects(consumer.run(async () => undefined), (err: StreamError) => err.code === 'WEIR_BUS_CLOSED');
});

test('a closed bus hands out no more clients (a timed-out test body still running after its cleanup)', { timeout: 60_000 }, async () => {
  const closed = await kafkaTestBus('kafka-consumer-stop-closed');
  await closed.close();
  assert.throws(() => closed.consumer({ groupId: uniqueName('closed-bus-group') }), (err: StreamError) => err.code === 'WEIR_BUS_CLOSED');
  await assert.rejects(closed.producer(), (err: StreamError) => err.code === 'WEIR_BUS_CLOSED');
  await assert.rejects(closed.partitionReader(uniqueName('closed-bus-topic')), (err: StreamError) => err.code === 'WEIR_BUS_CLOSED');
});

test('a consumer crashed by failing batches restarts itself, and stops for good once stopped', { timeout: 120_000 }, async () => {
  const topic = await topicWithOneRecord('crash-restart');
  const groupId = uniqueName('crash-restart-group');
  // kafkajs retries a failing batch (CLIENT_RETRY: 5 retries) and then crashes the consumer:
  // the first 8 deliveries fail, so the record arrives only after a restart.
  let attempts = 0;
  let delivered = 0;
  const failures: Error[] = [];
  const consumer = bus.consumer({ groupId, startFrom: 'earliest', onFailure: (err) => failures.push(err) });
  await consumer.subscribe([topic]);
  await consumer.run(async (batch) => {
    if (++attempts <= 8) throw new Error(`failing delivery ${attempts}`);
    delivered += batch.messages.length;
  });
  await waitFor('the record after a restart', () => delivered > 0, 90_000);
  assert.ok(attempts > 8, `delivered after ${attempts} attempts`);
  assert.deepEqual(failures, [], 'a crash it restarts after is no failure');
  await consumer.stop();
  assert.deepEqual(await group(groupId), { state: 'Empty', members: [] }, 'out of the group once stopped');
});

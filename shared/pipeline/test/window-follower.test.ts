/**
 * The score stage's window table on the real broker: `followWindows` (which every score instance
 * awaits before its stage starts) resolves once it has read everything in `weir.windows` — also
 * when, as under exactly-once, the topic ends in a transaction marker rather than a record. It
 * used to wait for a record at or past the end, which never comes while the window stage has
 * nothing new to publish: a score instance restarted then never started its stage (the
 * exactly-once kill loop's "no progress ... waiting for score to take in records").
 */
import { randomBytes } from 'node:crypto';
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { WINDOWS_TOPIC, type WindowSummary } from '@weir/contracts';
import type { Bus, Serde } from '@weir/stream';
import { deleteTopics, kafkaBus, requireServers, waitFor } from '@weir/testing';
import { WindowTable, ensurePipelineTopics, followWindows, namespacedSerde, topicIn } from '../src/index.js';

const summary = (customer: string, sessionCount: number): WindowSummary => ({
  customer, windowStart: 0, windowEnd: 60_000, sessionCount, closed: true, featureSet: 'f', features: {},
});

/**
 * Until the partitions' ends (the last stable offset, as read_committed) add up to `offsets`: a
 * transaction's commit returns before its markers are written, and until then the follower rightly
 * counts its records as not yet in the topic.
 */
async function untilEnds(bus: Bus, topic: string, offsets: number): Promise<void> {
  await waitFor(`${topic} to end at ${offsets} offsets`, async () => (await bus.admin.fetchTopicOffsets(topic)).reduce((n, p) => n + p.high, 0) >= offsets, 60_000);
}

let bus: Bus | undefined;
const namespaces: string[] = [];

after(async () => {
  if (bus) for (const ns of namespaces) await deleteTopics(bus, [topicIn(ns, WINDOWS_TOPIC)]);
  await bus?.close();
});

// The timeout only bounds a hang (the bug waited for ever); the follower's group join is what takes time.
test('the follower is ready when weir.windows ends in a committed transaction, and in one a new producer aborted', { timeout: 180_000 }, async () => {
  requireServers();
  bus ??= await kafkaBus();
  const ns = `follower-${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  namespaces.push(ns);
  await ensurePipelineTopics(bus, { namespace: ns, partitions: 2 });
  const topic = topicIn(ns, WINDOWS_TOPIC);
  const serde = namespacedSerde<WindowSummary>(ns);
  const transactionalId = `${ns}-window.writer`;

  // As the window stage publishes: one committed transaction (its commit marker ends the partition).
  const writer = await bus.producer({ transactionalId });
  const committed = await writer.beginTransaction();
  await committed.send([{ topic, key: 'acme', value: await serde.encode(topic, summary('acme', 5)) }]);
  await committed.commit();
  await untilEnds(bus, topic, 2);

  const table = new WindowTable();
  const follower = await followWindows({ bus, serde, table, topic });
  await follower.stop();
  assert.equal(table.lookup('acme', 30_000)?.sessionCount, 5, 'the committed summary is in the table');

  // A writer killed mid-transaction, then its restarted successor opening the same transactional
  // id: that aborts the open transaction, and the partition ends in the abort marker.
  const killed = await writer.beginTransaction();
  await killed.send([{ topic, key: 'acme', value: await serde.encode(topic, summary('acme', 9)) }]);
  const successor = await bus.producer({ transactionalId });
  await writer.close();
  await successor.close();
  await untilEnds(bus, topic, 4);

  const again = new WindowTable();
  const second = await followWindows({ bus, serde, table: again, topic });
  await second.stop();
  assert.equal(again.lookup('acme', 30_000)?.sessionCount, 5, 'the aborted summary is not read');
});

// A SIGTERM while a score instance still reads weir.windows ended nothing: the catch-up took no
// stop, and the service ran on until killed.
test('a stop while the follower is still catching up ends its wait', { timeout: 180_000 }, async () => {
  requireServers();
  bus ??= await kafkaBus();
  const ns = `follower-stop-${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  namespaces.push(ns);
  await ensurePipelineTopics(bus, { namespace: ns, partitions: 1 });
  const topic = topicIn(ns, WINDOWS_TOPIC);
  const serde = namespacedSerde<WindowSummary>(ns);
  const producer = await bus.producer({});
  await producer.send([{ topic, key: 'acme', value: await serde.encode(topic, summary('acme', 5)) }]);
  await producer.close();
  await untilEnds(bus, topic, 1);

  // A decode that does not finish until released: the follower stays short of the topic's end.
  let reached!: () => void;
  const decoding = new Promise<void>((resolve) => (reached = resolve));
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const stalled: Serde<WindowSummary> = {
    encode: (t, value) => serde.encode(t, value),
    decode: async (t, value) => {
      reached();
      await released;
      return serde.decode(t, value);
    },
  };
  const stop = new AbortController();
  const table = new WindowTable();
  const following = followWindows({ bus, serde: stalled, table, topic, signal: stop.signal });
  await decoding;
  stop.abort();
  const follower = await following;
  assert.equal(table.lookup('acme', 30_000), null, 'ended before the summary was read');
  release();
  await follower.stop();
});

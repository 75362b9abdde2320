/**
 * On the real broker: one customer with so many windows open at once (a long allowed lateness)
 * that its open windows add up to more than Kafka's 1 MB message limit, which one changelog
 * record per customer could not hold (the checkpoint was retried forever and the stage stopped).
 * The window service checkpoints it in small records, is killed (SIGKILL) mid-stream, restarts,
 * restores, and publishes every final window exactly as the offline pass computes it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { SCORES_TOPIC, SESSIONS_TOPIC, WINDOWS_TOPIC, WINDOW_PARTIALS_TOPIC, type SessionFeatures, type WindowSummary } from '@weir/contracts';
import type { WindowBaselineConfig } from '@weir/features';
import { changelogTopicName, deadLetterTopicName, type Bus, type ConsumedMessage } from '@weir/stream';
import { deleteTopics, kafkaBus, requireServers, simulatedEvents, stageStarted, startService, tailTopic, waitFor, waitForProgress, type ServiceProcess } from '@weir/testing';
import { OfflinePipeline, ensurePipelineTopics, namespacedSerde, topicIn } from '../src/index.js';

const MESSAGE_LIMIT = 1024 * 1024;
// Longer than the traffic: every window stays open until the partition goes idle.
const WINDOW: WindowBaselineConfig = { sizeMs: 60_000, allowedLatenessMs: 4 * 60 * 60_000, updateEveryRecords: 100 };

function offline(customer: string) {
  const { events } = simulatedEvents([customer], { durationMs: 120 * 60_000, ratePerMinute: 8, seed: 'window-large-checkpoint' });
  const records: SessionFeatures[] = [];
  const finals = new Map<number, WindowSummary>();
  const pipeline = new OfflinePipeline({
    window: WINDOW,
    onSessionRecord: (record) => records.push(record),
    onWindowSummary: (summary) => summary.closed && finals.set(summary.windowStart, summary),
  });
  for (const event of events) pipeline.push(event);
  pipeline.finish();
  return { records, finals };
}

/** The latest value of every key of the changelog, and the largest record in it. */
async function readChangelog(bus: Bus, topic: string): Promise<{ latest: Map<string, Buffer>; largest: number }> {
  const latest = new Map<string, Buffer>();
  let largest = 0;
  const reader = await bus.partitionReader(topic);
  try {
    for (const { partition, high } of await bus.admin.fetchTopicOffsets(topic)) {
      if (high === 0) continue;
      await reader.read({ topic, partition, offset: 0 }, (messages: ConsumedMessage[]) => {
        for (const m of messages) {
          largest = Math.max(largest, (m.value?.length ?? 0) + (m.key?.length ?? 0));
          const key = m.key!.toString('utf8');
          if (m.value === null) latest.delete(key);
          else latest.set(key, m.value);
        }
        return messages.some((m) => m.offset >= high - 1);
      });
    }
  } finally {
    await reader.close();
  }
  return { latest, largest };
}

test('a customer whose open windows exceed 1 MB checkpoints, is killed, restores and publishes every final window exactly', { timeout: 600_000 }, async () => {
  requireServers();
  const run = `bigwin-${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  const customer = `${run}-hot`;
  const group = `${run}-window`;
  const bus = await kafkaBus();
  let service: ServiceProcess | undefined;
  const { records, finals: expected } = offline(customer);
  await ensurePipelineTopics(bus, { namespace: run, partitions: 1 });
  const sessions = topicIn(run, SESSIONS_TOPIC);
  const serde = namespacedSerde<SessionFeatures>(run);
  const produce = async (batch: SessionFeatures[]) => {
    const producer = await bus.producer();
    for (let i = 0; i < batch.length; i += 500) {
      await producer.send(await Promise.all(batch.slice(i, i + 500).map(async (r) => ({ topic: sessions, key: r.sessionId, value: await serde.encode(sessions, r) }))));
    }
    await producer.close();
  };
  const windows = await tailTopic(bus, topicIn(run, WINDOWS_TOPIC), namespacedSerde<WindowSummary>(run));
  const env = {
    WEIR_TOPIC_NAMESPACE: run,
    WEIR_GROUP_PREFIX: run,
    WEIR_WINDOW_SIZE: '1m',
    WEIR_WINDOW_LATENESS: '4h',
    WEIR_WINDOW_UPDATE_EVERY: '100',
    WEIR_CLOSE_IDLE_AFTER: '3s',
  };
  try {
    // Three quarters of the traffic in: some 90 windows open, none closed.
    const cut = Math.floor(records.length * 0.75);
    await produce(records.slice(0, cut));
    service = startService('window', env);
    await stageStarted(service);
    const committed = async () => (await bus.admin.fetchCommittedOffsets(group, [sessions])).find((o) => o.partition === 0)?.offset ?? -1;
    await waitForProgress(
      `the first ${cut} session records checkpointed and committed`,
      async () => (await committed()) >= cut || undefined,
      // A checkpoint retried forever commits nothing more: that is the stall this fails on.
      committed,
      120_000,
    );
    service.child.kill('SIGKILL');
    assert.equal((await service.exited).signal, 'SIGKILL');

    const changelog = await readChangelog(bus, changelogTopicName(group, 'windows'));
    const ofCustomer = [...changelog.latest].filter(([key]) => key.includes(`\u0000kp:${customer}`));
    const customerBytes = ofCustomer.reduce((n, [key, value]) => n + key.length + value.length, 0);
    assert.ok(customerBytes > MESSAGE_LIMIT, `the customer's open windows take ${customerBytes} bytes: more than one record may hold`);
    assert.ok(changelog.largest < MESSAGE_LIMIT / 8, `the largest changelog record is ${changelog.largest} bytes`);

    await produce(records.slice(cut));
    service = startService('window', env);
    await stageStarted(service);
    const finals = new Map<number, WindowSummary>();
    await waitForProgress(
      `${expected.size} final windows`,
      () => {
        for (const summary of windows.records) if (summary.closed && summary.customer === customer) finals.set(summary.windowStart, summary);
        return finals.size >= expected.size || undefined;
      },
      async () => `${await committed()} records committed, ${windows.records.length} summaries read`,
      120_000,
    );
    assert.deepEqual([...finals.keys()].sort(), [...expected.keys()].sort());
    for (const [start, summary] of expected) assert.deepEqual(finals.get(start), summary, `window ${new Date(start).toISOString()}`);
  } finally {
    await windows.stop();
    await service?.stop(5000);
    await deleteTopics(bus, [
      ...[SESSIONS_TOPIC, WINDOW_PARTIALS_TOPIC, WINDOWS_TOPIC, SCORES_TOPIC].map((t) => topicIn(run, t)),
      changelogTopicName(group, 'windows'),
      deadLetterTopicName(group),
    ]);
    await bus.close();
  }
});

/**
 * The two-phase window baseline on the real broker: session records keyed by session over six
 * partitions, the window stage run as one instance and as three (one group, sharing the
 * partitions of weir.sessions and weir.window-partials): both publish the same final
 * WindowSummary of every window, value for value, and both equal the offline pass's, which has
 * one WindowBaseline see every record.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SESSIONS_TOPIC, WINDOW_PARTIALS_TOPIC, WINDOWS_TOPIC, type SessionFeatures, type WindowSummary } from '@weir/contracts';
import type { WindowBaselineConfig } from '@weir/features';
import { createLogger, noopMetrics, type Bus, type OutgoingMessage } from '@weir/stream';
import { deleteTopics, kafkaBus, requireServers, simulatedEvents, tailTopic, waitFor, waitForProgress } from '@weir/testing';
import { OfflinePipeline, ensurePipelineTopics, namespacedSerde, runWindow, topicIn } from '../src/index.js';

// Lateness longer than the traffic: no record is late however the partitions' reads interleave,
// so what each window holds depends on the data alone; the last windows close on idle.
const WINDOW: WindowBaselineConfig = { sizeMs: 60_000, allowedLatenessMs: 30 * 60_000, updateEveryRecords: 20 };

function offline(run: string) {
  const customers = [`${run}-hot`, `${run}-cold`];
  const { events } = simulatedEvents(customers, { durationMs: 25 * 60_000, ratePerMinute: 8, seed: 'window-instances' });
  const records: SessionFeatures[] = [];
  const finals = new Map<string, WindowSummary>();
  const pipeline = new OfflinePipeline({
    window: WINDOW,
    onSessionRecord: (record) => records.push(record),
    onWindowSummary: (summary) => summary.closed && finals.set(`${summary.customer}|${summary.windowStart}`, summary),
  });
  for (const event of events) pipeline.push(event);
  pipeline.finish();
  return { records, finals };
}

async function windowRun(
  bus: Bus,
  ns: string,
  records: readonly SessionFeatures[],
  instances: number,
  expected: number,
  keyOf: (record: SessionFeatures) => string = (record) => record.sessionId,
) {
  await ensurePipelineTopics(bus, { namespace: ns, partitions: 6 });
  const serde = namespacedSerde<SessionFeatures>(ns);
  const sessions = topicIn(ns, SESSIONS_TOPIC);
  const groupId = `${ns}-window`;

  const windows = await tailTopic(bus, topicIn(ns, WINDOWS_TOPIC), namespacedSerde<WindowSummary>(ns));
  const abort = new AbortController();
  const sessionsRead = Array.from({ length: instances }, () => 0);
  // Partitions each instance holds: a stateful stage restores a partition's state as it takes it
  // and forgets its lag as it gives it up.
  const owned = Array.from({ length: instances }, () => 0);
  const running = sessionsRead.map((_, i) =>
    runWindow({
      bus,
      namespace: ns,
      groupId,
      signal: abort.signal,
      handleSignals: false,
      tickIntervalMs: 200,
      ...(process.env.WININST_LOG ? { logger: createLogger('window', { level: 'debug' }) } : {}),
      batch: { maxRecords: 100 },
      metrics: {
        ...noopMetrics,
        recordsIn: (topic, count) => void (topic === sessions && (sessionsRead[i]! += count)),
        restore: () => void owned[i]!++,
        lag: (_topic, _partition, lag) => void (lag === null && owned[i]!--),
      },
      stage: { window: WINDOW, closeIdleAfterMs: 3_000 },
    }),
  );
  const finals = new Map<string, WindowSummary>();
  try {
    // Every instance in the group before there is anything to read: records already there go to
    // whichever instance joins first, and it may have read them all before the others join.
    // And every partition taken by its final owner: three members listed may still be mid-rebalance,
    // the first one holding every partition until it hears of the others.
    const inputPartitions = (await bus.admin.partitionCount(sessions)) + (await bus.admin.partitionCount(topicIn(ns, WINDOW_PARTIALS_TOPIC)));
    await waitFor(
      `${instances} members in ${groupId}, each holding partitions`,
      async () =>
        (await bus.admin.groupMembers(groupId)) === instances &&
        owned.every((n) => n > 0) &&
        owned.reduce((a, b) => a + b, 0) === inputPartitions,
      120_000,
    );
    await produceAtOnce(bus, sessions, await Promise.all(records.map(async (r) => ({ topic: sessions, key: keyOf(r), value: await serde.encode(sessions, r) }))));
    // Stall-based: a loaded machine only slows the instances; a minute with no record read and no
    // summary written is a stage that stopped.
    await waitForProgress(
      `${expected} final windows (${ns})`,
      () => {
        for (const summary of windows.records) if (summary.closed) finals.set(`${summary.customer}|${summary.windowStart}`, summary);
        return finals.size >= expected;
      },
      () => `${sessionsRead.join('+')} session records read, ${windows.records.length} summaries`,
      60_000,
    ).catch((err: Error) => {
      throw new Error(`${err.message}: ${finals.size} final, ${windows.records.length} summaries read`);
    });
  } finally {
    abort.abort();
    await Promise.all(running);
    await windows.stop();
  }
  return { finals, sessionsRead };
}

/**
 * One transaction: a read_committed stage sees every record at once, so no pause between the
 * producer's requests (a busy machine) can look like the end of the input to the idle close.
 */
async function produceAtOnce(bus: Bus, topic: string, messages: OutgoingMessage[]): Promise<void> {
  const producer = await bus.producer({ transactionalId: `${topic}-producer` });
  try {
    const transaction = await producer.beginTransaction();
    for (let i = 0; i < messages.length; i += 500) await transaction.send(messages.slice(i, i + 500));
    await transaction.commit();
  } finally {
    await producer.close();
  }
}

test('final window summaries: one instance, three instances and the offline pass agree exactly', { timeout: 600_000 }, async () => {
  requireServers();
  const bus = await kafkaBus();
  const run = `wininst-${Date.now().toString(36)}`;
  const namespaces = [`${run}-one`, `${run}-three`];
  try {
    const { records, finals: expected } = offline(run);
    assert.ok(expected.size > 20, `enough windows to compare (${expected.size})`);

    const one = await windowRun(bus, namespaces[0]!, records, 1, expected.size);
    const three = await windowRun(bus, namespaces[1]!, records, 3, expected.size);

    // Delivery is at-least-once: a rebalance (a member dropped for a heartbeat a busy machine
    // missed) hands a partition over from its last commit, and the records after it are read again.
    // What is guaranteed is checked: none is skipped (fewer reads than records would say so, and the
    // exact final windows below hold every record once), and the group shared the work.
    assert.ok(one.sessionsRead[0]! >= records.length, `the single instance read every session record: ${one.sessionsRead[0]} of ${records.length}`);
    const readByThree = three.sessionsRead.reduce((a, b) => a + b, 0);
    assert.ok(readByThree >= records.length, `three instances read every session record between them: ${readByThree} of ${records.length}`);
    console.log(`window instances' session records: ${three.sessionsRead.join(', ')}`);
    assert.ok(three.sessionsRead.every((n) => n > 0), `every one of the three instances read session records: ${three.sessionsRead.join(', ')}`);
    for (const [label, got] of [['one instance', one.finals], ['three instances', three.finals]] as const) {
      assert.deepEqual([...got.keys()].sort(), [...expected.keys()].sort(), `${label}: the same windows`);
      for (const [key, summary] of expected) assert.deepStrictEqual(got.get(key), summary, `${label}: window ${key}`);
    }
  } finally {
    const ours = (await bus.admin.listTopics()).filter((t) => namespaces.some((ns) => t.startsWith(`${ns}.`) || t.startsWith(`${ns}-`)));
    await deleteTopics(bus, ours);
    await bus.close();
  }
});

test('records of the layout before the upgrade (weir.sessions keyed by customer) are read, with the same final windows', { timeout: 600_000 }, async () => {
  requireServers();
  const bus = await kafkaBus();
  const run = `winold-${Date.now().toString(36)}`;
  try {
    const { records, finals: expected } = offline(run);
    // What sessionize wrote before sessions were keyed by session: one partition per customer.
    const old = await windowRun(bus, run, records, 2, expected.size, (record) => record.customer);
    const read = old.sessionsRead.reduce((a, b) => a + b, 0);
    assert.ok(read >= records.length, `every old-layout record read (at least once): ${read} of ${records.length}`);
    assert.deepEqual([...old.finals.keys()].sort(), [...expected.keys()].sort());
    for (const [key, summary] of expected) assert.deepStrictEqual(old.finals.get(key), summary, `window ${key}`);
  } finally {
    await deleteTopics(bus, (await bus.admin.listTopics()).filter((t) => t.startsWith(`${run}.`) || t.startsWith(`${run}-`)));
    await bus.close();
  }
});

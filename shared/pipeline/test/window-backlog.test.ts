/**
 * A backlog whose input partitions run far apart in event time (as in `pnpm bench peers`): one
 * log partition is sessionized to its end before the other's records arrive. The window stage's
 * closed windows must still count every session the offline pass puts in them (the offline pass
 * reads the partitions interleaved in event order, one sessionizer per partition, as the stages do).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SESSIONS_TOPIC, WINDOW_PARTIALS_TOPIC, WINDOWS_TOPIC, createSerde, logsTopic, type RequestEvent, type WindowSummary } from '@weir/contracts';
import { sessionKeyer } from '@weir/features';
import { createEmbeddedBus, partitionForKey } from '@weir/stream';
import { parsedEvents } from '@weir/testing';
import { OfflinePipeline, runSessionize, runWindow } from '../src/index.js';

const LOG_PARTITIONS = 2;
const CUSTOMER_MINUTES = 40;

const windowId = (customer: string, start: number) => `${customer}|${start}`;

// Each weir.sessions partition's first phase takes a customer's event time as the minimum over
// the log partitions' progress that sessionize reports (session-progress.ts), not the newest
// session's: the behind partition's sessions still find their windows open.
test('a backlog with one log partition far ahead of the other: closed windows hold every session the offline pass counts', {
  timeout: 240_000,
}, async () => {
  const events = parsedEvents({ customers: 1, durationMs: CUSTOMER_MINUTES * 60_000, seed: 'window-backlog', ratePerMinute: 20 });
  const keyOf = sessionKeyer('ip_ua');
  const partitionOf = (e: RequestEvent) => partitionForKey(Buffer.from(keyOf(e)), LOG_PARTITIONS);
  const byPartition = Array.from({ length: LOG_PARTITIONS }, (_, p) => events.filter((e) => partitionOf(e) === p));
  assert.ok(byPartition.every((part) => part.length > 100), `every log partition has traffic (${byPartition.map((p) => p.length).join(', ')})`);

  // The reference: the partitions interleaved in event order, one sessionizer per partition.
  const offline = new Map<string, WindowSummary>();
  const reference = new OfflinePipeline({
    onWindowSummary: (s) => {
      if (s.closed) offline.set(windowId(s.customer, s.windowStart), s);
    },
  });
  for (const event of events) reference.push(event, String(partitionOf(event)));
  reference.finish();
  // Windows every sessions partition's watermark passes well before the traffic ends (no idle close needed).
  const lastTime = Math.max(...events.map((e) => e.eventTime));
  const compared = [...offline.values()].filter((s) => s.windowEnd <= lastTime - 10 * 60_000);
  assert.ok(compared.length >= 20, `enough closed windows to compare (${compared.length})`);

  const bus = createEmbeddedBus();
  const registry = {};
  const abort = new AbortController();
  const serde = createSerde<RequestEvent>(registry);
  const producer = await bus.producer();
  const customer = events[0]!.customer;
  const topic = logsTopic(customer);
  await bus.admin.createTopics([{ topic, partitions: LOG_PARTITIONS }]);
  const produce = async (part: readonly RequestEvent[], partition: number) => {
    for (let i = 0; i < part.length; i += 500) {
      const chunk = part.slice(i, i + 500);
      await producer.send(await Promise.all(chunk.map(async (e) => ({ topic, partition, key: keyOf(e), value: await serde.encode(topic, e) }))));
    }
  };

  let lateInFirstPhase = 0;
  let latePieces = 0;
  const common = { bus, registry, signal: abort.signal, handleSignals: false, partitions: 3, tickIntervalMs: 100, batch: { maxRecords: 50 } };
  const running = [
    // Log partition 1 stays empty while partition 0 is read: it must hold the watermark back, not
    // be taken as quiet (a quiet partition's records after its quiet report are late by design).
    runSessionize({ ...common, groupId: 'backlog-sessionize', stage: { progress: { idleAfterMs: 3_600_000 } } }),
    runWindow({ ...common, groupId: 'backlog-window', stage: { caughtUpSlackMs: 1_000, onLate: (late) => (lateInFirstPhase += late.length), onLatePiece: () => latePieces++ } }),
  ];
  const closed = new Map<string, WindowSummary>();
  const summarySerde = createSerde<WindowSummary>(registry);
  /** Per partition of weir.windows, the offset after the last summary read. */
  const windowsRead = new Map<number, number>();
  const reader = bus.consumer({ groupId: 'backlog-reader' });
  await reader.subscribe([WINDOWS_TOPIC]);
  await reader.run(async (batch) => {
    for (const message of batch.messages) {
      const summary = await summarySerde.decode(batch.topic, message.value!);
      if (summary.closed) closed.set(windowId(summary.customer, summary.windowStart), summary);
      windowsRead.set(batch.partition, message.offset + 1);
    }
  });

  const committedThrough = async (partition: number, end: number) => {
    const offsets = await bus.admin.fetchCommittedOffsets('backlog-sessionize', [topic]);
    return offsets.some((o) => o.partition === partition && o.offset >= end);
  };
  // Partition 0 first, read to its end by the sessionizer; only then partition 1, far behind in event time.
  await produce(byPartition[0]!, 0);
  const deadline = Date.now() + 180_000;
  while (!(await committedThrough(0, byPartition[0]!.length)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  await produce(byPartition[1]!, 1);
  // Until every stage has read everything there is (the same ends twice: nothing in flight).
  let previous = '';
  while (Date.now() < deadline) {
    const ends = await Promise.all([topic, SESSIONS_TOPIC, WINDOW_PARTIALS_TOPIC].map(async (t) => (await bus.admin.fetchTopicOffsets(t)).map((o) => o.high)));
    const commits = await Promise.all([
      bus.admin.fetchCommittedOffsets('backlog-sessionize', [topic]),
      bus.admin.fetchCommittedOffsets('backlog-window', [SESSIONS_TOPIC]),
      bus.admin.fetchCommittedOffsets('backlog-window', [WINDOW_PARTIALS_TOPIC]),
    ]);
    const read = commits.every((offsets, i) => ends[i]!.every((end, p) => end === 0 || offsets.some((o) => o.partition === p && o.offset >= end)));
    const now = JSON.stringify(ends);
    if (read && now === previous) break;
    previous = read ? now : '';
    await new Promise((r) => setTimeout(r, 500));
  }
  const windowEnds = await bus.admin.fetchTopicOffsets(WINDOWS_TOPIC);
  while (windowEnds.some((o) => (windowsRead.get(o.partition) ?? 0) < o.high) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  abort.abort();
  await Promise.all(running);
  await reader.stop();
  await bus.close();

  const missing = compared.filter((s) => !closed.has(windowId(s.customer, s.windowStart)));
  assert.deepEqual(missing.map((s) => s.windowStart), [], 'every compared window closed in the stream');
  const offlineSessions = compared.reduce((n, s) => n + s.sessionCount, 0);
  const streamSessions = compared.reduce((n, s) => n + closed.get(windowId(s.customer, s.windowStart))!.sessionCount, 0);
  assert.equal(streamSessions, offlineSessions, `sessions in the compared closed windows: stream ${streamSessions}, offline ${offlineSessions} (${lateInFirstPhase} session records late in the first phase, ${latePieces} pieces after their window closed; per window ${compared.map((w) => `${closed.get(windowId(w.customer, w.windowStart))!.sessionCount}/${w.sessionCount}`).join(' ')})`);
  for (const s of compared) assert.equal(closed.get(windowId(s.customer, s.windowStart))!.sessionCount, s.sessionCount, `window ${s.windowStart}`);
});

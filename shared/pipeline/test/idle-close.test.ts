/**
 * The idle close of a partition waits for the partition to be caught up, not only for the wall
 * clock: a partition whose next batch is slow to come (a busy machine, other partitions ahead of
 * it in the consumer) still has input, and closing its sessions then would cut them in two.
 * Here two customers' partitions share one processing slot and every chunk is slow, so each
 * partition waits far longer than the idle time between its batches, with a backlog.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createSerde, logsTopic, type RequestEvent, type SessionFeatures } from '@weir/contracts';
import { sessionKeyer } from '@weir/features';
import { createEmbeddedBus, runStage, stageSerde, type Stage } from '@weir/stream';
import { parsedEvents, waitForProgress } from '@weir/testing';
import { finalSessions, sessionizeStage, type SessionizeState } from '../src/index.js';

const SESSIONIZER = { gapMs: 5 * 60_000 };

/** The sessionize stage with every chunk taking `delayMs` more. */
function slow(stage: Stage<RequestEvent, SessionFeatures, SessionizeState>, delayMs: number): Stage<RequestEvent, SessionFeatures, SessionizeState> {
  return {
    name: stage.name,
    async process(records, ctx) {
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      return stage.process(records, ctx);
    },
    onTick: stage.onTick?.bind(stage),
  };
}

test('a partition with a backlog is not closed as idle while its batches are slow to come', { timeout: 600_000 }, async () => {
  const input = parsedEvents({ customers: 2, durationMs: 12 * 60_000, seed: 'idle-close', ratePerMinute: 6 });
  const expected = new Map([...finalSessions(input, { sessionizer: SESSIONIZER })].map(({ session }) => [session.sessionId, session]));
  const customers = [...new Set(input.map((e) => e.customer))];
  for (const customer of customers) {
    // More than one delivered batch (1000 records) per partition, so there is a backlog to wait behind.
    assert.ok(input.filter((e) => e.customer === customer).length > 1500, `enough events for ${customer}`);
  }

  const bus = createEmbeddedBus();
  const registry = {};
  const serde = createSerde<RequestEvent>(registry);
  const keyOf = sessionKeyer('ip_ua');
  await bus.admin.createTopics(customers.map((c) => ({ topic: logsTopic(c), partitions: 1 })));
  const producer = await bus.producer();
  await producer.send(await Promise.all(input.map(async (e) => ({ topic: logsTopic(e.customer), key: keyOf(e), value: await serde.encode(logsTopic(e.customer), e) }))));

  const abort = new AbortController();
  const running = runStage({
    bus,
    groupId: 'idle-close',
    input: customers.map(logsTopic),
    // 100 records a chunk at 40 ms each: a partition's 1000-record batch holds the one slot for
    // about 0.4 s, ten times the idle time, while the other partition waits with its backlog.
    stage: slow(sessionizeStage({ sessionizer: SESSIONIZER, closeIdleAfterMs: 40 }), 40),
    serde: stageSerde(serde, createSerde<SessionFeatures>(registry)),
    state: { name: 'sessions' },
    concurrency: 1,
    batch: { maxRecords: 100 },
    tickIntervalMs: 10,
    signal: abort.signal,
    handleSignals: false,
  });

  const closed = new Map<string, SessionFeatures[]>();
  const reader = bus.consumer({ groupId: 'idle-close-reader' });
  await reader.subscribe(['weir.sessions']);
  const sessionSerde = createSerde<SessionFeatures>(registry);
  await reader.run(async (batch) => {
    for (const message of batch.messages) {
      const session = await sessionSerde.decode(batch.topic, message.value!);
      if (session.closed) closed.set(session.sessionId, [...(closed.get(session.sessionId) ?? []), session]);
    }
  });
  const counted = () => [...closed.values()].flat().reduce((n, s) => n + s.requestCount, 0);
  try {
    // For as long as sessions keep closing: a saturated CPU makes this slow, a stall is the bug.
    await waitForProgress('every event in a closed session', () => counted() >= input.length, counted, 60_000);
  } finally {
    abort.abort();
    await running;
    await reader.stop();
    await bus.close();
  }

  const split = [...closed].filter(([id, copies]) => copies.length > 1 || copies[0]!.requestCount !== expected.get(id)?.requestCount);
  assert.deepEqual(split.map(([id, copies]) => `${id}: ${copies.map((c) => c.requestCount).join('+')} of ${expected.get(id)?.requestCount}`), [], 'no session cut by an idle close');
  assert.equal(closed.size, expected.size, 'every session closed once');
  assert.equal(counted(), input.length, 'every event in a closed session');
});

/**
 * A chunk whose stage throws is replayed record by record by the runner. A stateful stage must
 * then see the partition's state as it was before the chunk: the records before the failing one
 * are applied once, not twice, and the failing one is dead-lettered with its reason.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SESSIONS_TOPIC, createSerde, logsTopic, type RequestEvent, type SessionFeatures } from '@weir/contracts';
import { createEmbeddedBus, DLQ_HEADERS, type ConsumedMessage } from '@weir/stream';
import { runSessionize } from '../src/index.js';

const event = (customer: string, second: number): RequestEvent => ({
  customer, eventTime: Date.UTC(2026, 0, 1, 12, 0, second), clientIp: '10.0.0.7', userAgent: 'curl/8', method: 'GET',
  path: `/p${second}`, query: null, protocol: 'HTTP/1.1', status: 200, bytes: 10, referrer: null, host: null,
  sessionId: null, requestTimeMs: null, extra: {},
});

test('a failed chunk is replayed from the state before it: 3 good events and 1 bad close a session of 3', { timeout: 60_000 }, async () => {
  const bus = createEmbeddedBus();
  const registry = {};
  const topic = logsTopic('acme');
  await bus.admin.createTopics([{ topic, partitions: 1 }]);
  const serde = createSerde<RequestEvent>(registry);
  const producer = await bus.producer();
  // The bad event travels on acme's topic, so it lands in the same chunk, after the good ones.
  const events = [event('acme', 1), event('acme', 2), event('acme', 3), event('', 4)];
  await producer.send(await Promise.all(events.map(async (e) => ({ topic, key: 'k', value: await serde.encode(topic, e) }))));
  await producer.close();

  const abort = new AbortController();
  const running = runSessionize({ bus, registry, signal: abort.signal, handleSignals: false, partitions: 1, tickIntervalMs: 50, stage: { closeIdleAfterMs: 200 } });

  const sessionSerde = createSerde<SessionFeatures>(registry);
  const closed: SessionFeatures[] = [];
  const deadLetters: ConsumedMessage[] = [];
  const reader = bus.consumer({ groupId: 'failed-chunk-reader' });
  await reader.subscribe([SESSIONS_TOPIC, 'weir-sessionize.dlq']);
  await reader.run(async (batch) => {
    for (const message of batch.messages) {
      if (batch.topic === SESSIONS_TOPIC) {
        const session = await sessionSerde.decode(batch.topic, message.value!);
        if (session.closed) closed.push(session);
      } else deadLetters.push(message);
    }
  });
  const deadline = Date.now() + 30_000;
  while ((closed.length === 0 || deadLetters.length === 0) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
  abort.abort();
  await running;
  await reader.stop();
  await bus.close();

  assert.equal(closed.length, 1, 'one session closed');
  assert.equal(closed[0]!.requestCount, 3, 'each good event counted once');
  assert.equal(deadLetters.length, 1, 'the bad event is dead-lettered');
  assert.equal(deadLetters[0]!.offset, 0);
  assert.equal(deadLetters[0]!.headers[DLQ_HEADERS.sourceOffset]?.toString(), '3');
  assert.match(deadLetters[0]!.headers[DLQ_HEADERS.reason]?.toString() ?? '', /no customer/);
});

/**
 * A log that redacts client addresses, keyed by ip_ua, would merge every visitor with the same
 * browser into one session. Ingest rejects such lines; an event that reaches sessionize anyway (a
 * producer of its own, ingest keyed by a cookie while sessionize keys by address) is dead-lettered
 * with reason no_address and a key that would work, and the stream goes on. Keyed by a cookie, the
 * same event is sessionized.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SESSIONS_TOPIC, createSerde, logsTopic, type RequestEvent, type SessionFeatures } from '@weir/contracts';
import type { SessionKeySpec } from '@weir/features';
import { createEmbeddedBus, DLQ_HEADERS, type ConsumedMessage } from '@weir/stream';
import { runSessionize } from '../src/index.js';

const event = (second: number, clientIp: string, sid: string | null): RequestEvent => ({
  customer: 'acme', eventTime: Date.UTC(2026, 0, 1, 12, 0, second), clientIp, userAgent: 'Mozilla/5.0', method: 'GET',
  path: `/p${second}`, query: null, protocol: 'HTTP/1.1', status: 200, bytes: 10, referrer: null, host: null,
  sessionId: sid, requestTimeMs: null, extra: {},
});

async function sessionizeAll(sessionKey: SessionKeySpec, events: RequestEvent[]): Promise<{ closed: SessionFeatures[]; deadLetters: ConsumedMessage[] }> {
  const bus = createEmbeddedBus();
  const registry = {};
  const topic = logsTopic('acme');
  await bus.admin.createTopics([{ topic, partitions: 1 }]);
  const serde = createSerde<RequestEvent>(registry);
  const producer = await bus.producer();
  await producer.send(await Promise.all(events.map(async (e) => ({ topic, key: 'k', value: await serde.encode(topic, e) }))));
  await producer.close();

  const abort = new AbortController();
  const running = runSessionize({
    bus, registry, signal: abort.signal, handleSignals: false, partitions: 1, tickIntervalMs: 50,
    stage: { sessionizer: { sessionKey }, closeIdleAfterMs: 200 },
  });
  const sessionSerde = createSerde<SessionFeatures>(registry);
  const closed: SessionFeatures[] = [];
  const deadLetters: ConsumedMessage[] = [];
  const reader = bus.consumer({ groupId: 'no-address-reader' });
  await reader.subscribe([SESSIONS_TOPIC, 'weir-sessionize.dlq']);
  await reader.run(async (batch) => {
    for (const message of batch.messages) {
      if (batch.topic !== SESSIONS_TOPIC) deadLetters.push(message);
      else {
        const session = await sessionSerde.decode(batch.topic, message.value!);
        if (session.closed) closed.push(session);
      }
    }
  });
  // Every event is accounted for: in a closed session or dead-lettered (the idle close comes last).
  const accounted = () => closed.reduce((n, s) => n + s.requestCount, 0) + deadLetters.length;
  const deadline = Date.now() + 30_000;
  while (accounted() < events.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
  abort.abort();
  await running;
  await reader.stop();
  await bus.close();
  return { closed, deadLetters };
}

const events = [event(1, '203.0.113.9', null), event(2, '', 'cookie-a'), event(3, '203.0.113.9', null), event(4, '', null)];

test('keyed by ip_ua, events without an address are dead-lettered no_address with a key that would work; the others are sessionized', { timeout: 60_000 }, async () => {
  const { closed, deadLetters } = await sessionizeAll('ip_ua', events);
  assert.deepEqual(closed.map((s) => [s.sessionKey, s.requestCount]), [['203.0.113.9|Mozilla/5.0', 2]]);
  assert.deepEqual(deadLetters.map((d) => d.headers[DLQ_HEADERS.sourceOffset]?.toString()), ['1', '3']);
  for (const d of deadLetters) {
    assert.match(d.headers[DLQ_HEADERS.reason]?.toString() ?? '', /WEIR_FEATURES_NO_ADDRESS: no_address: the event has no client address .*keyed by ip_ua.*WEIR_SESSION_KEY=field:cookie_session/);
  }
});

test('keyed by a cookie, the same events need no address: the cookie-less one without an address is keyed -|user agent', { timeout: 60_000 }, async () => {
  const { closed, deadLetters } = await sessionizeAll('field:sessionId', events);
  assert.equal(deadLetters.length, 0);
  assert.deepEqual(closed.map((s) => [s.sessionKey, s.requestCount]).sort(), [['-|Mozilla/5.0', 1], ['203.0.113.9|Mozilla/5.0', 2], ['cookie-a', 1]]);
});

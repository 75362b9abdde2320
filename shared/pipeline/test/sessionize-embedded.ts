/**
 * Test support: request events through `runSessionize` on an embedded bus (one partition), until
 * every event is accounted for — in a closed session or dead-lettered; the idle close comes last.
 */
import { SESSIONS_TOPIC, createSerde, logsTopic, type RequestEvent, type SessionFeatures } from '@weir/contracts';
import type { SessionKeySpec } from '@weir/features';
import { createEmbeddedBus, type ConsumedMessage, type StageMetrics } from '@weir/stream';
import { runSessionize } from '../src/index.js';

/** A request of customer `customer` at second `second` of 2026-01-01 12:00 UTC. */
export function requestAt(second: number, fields: Partial<RequestEvent> = {}): RequestEvent {
  return {
    customer: 'acme', eventTime: Date.UTC(2026, 0, 1, 12, 0, second), clientIp: '10.0.0.7', userAgent: 'Mozilla/5.0', method: 'GET',
    path: `/p${second}`, query: null, protocol: 'HTTP/1.1', status: 200, bytes: 10, referrer: null, host: null,
    sessionId: null, requestTimeMs: null, extra: {}, ...fields,
  };
}

export interface Sessionized {
  closed: SessionFeatures[];
  deadLetters: ConsumedMessage[];
}

/** All of `events` on acme's log topic, in order, sessionized; fails after 30 s without every event accounted for. */
export async function sessionizeEmbedded(events: RequestEvent[], options: { sessionKey?: SessionKeySpec; metrics?: StageMetrics } = {}): Promise<Sessionized> {
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
    stage: { ...(options.sessionKey ? { sessionizer: { sessionKey: options.sessionKey } } : {}), closeIdleAfterMs: 200 },
    ...(options.metrics ? { metrics: options.metrics } : {}),
  });
  const sessionSerde = createSerde<SessionFeatures>(registry);
  const result: Sessionized = { closed: [], deadLetters: [] };
  const reader = bus.consumer({ groupId: 'sessionize-embedded-reader' });
  await reader.subscribe([SESSIONS_TOPIC, 'weir-sessionize.dlq']);
  await reader.run(async (batch) => {
    for (const message of batch.messages) {
      if (batch.topic !== SESSIONS_TOPIC) result.deadLetters.push(message);
      else {
        const session = await sessionSerde.decode(batch.topic, message.value!);
        if (session.closed) result.closed.push(session);
      }
    }
  });
  const accounted = () => result.closed.reduce((n, s) => n + s.requestCount, 0) + result.deadLetters.length;
  try {
    const deadline = Date.now() + 30_000;
    while (accounted() < events.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
  } finally {
    abort.abort();
    await running;
    await reader.stop();
    await bus.close();
  }
  if (accounted() !== events.length) throw new Error(`${accounted()} of ${events.length} events accounted for`);
  return result;
}

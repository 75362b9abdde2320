/**
 * A schema registry that does not answer is an outage, not bad data. The sessionize stage, with
 * the real registry client pointed at a proxy in front of the real registry that is switched off
 * (nothing cached yet), holds its records: nothing is dead-lettered but the one record that is
 * really bad, readiness is false and the wait is counted. Switched on, the stage resumes and
 * every good event counts once.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SESSIONS_TOPIC, createSerde, logsTopic, type RequestEvent, type SessionFeatures } from '@weir/contracts';
import { createEmbeddedBus, DLQ_HEADERS, noopMetrics, StageHealth, type ConsumedMessage, type StageMetrics } from '@weir/stream';
import { runSessionize } from '../src/index.js';
import { switchableProxy } from '../../../scripts/infra/switchable-proxy.js';

const registryUrl = process.env.SCHEMA_REGISTRY_URL;

const event = (customer: string, second: number): RequestEvent => ({
  customer, eventTime: Date.UTC(2026, 0, 1, 12, 0, second), clientIp: '10.0.0.9', userAgent: 'curl/8', method: 'GET',
  path: `/p${second}`, query: null, protocol: 'HTTP/1.1', status: 200, bytes: 10, referrer: null, host: null,
  sessionId: null, requestTimeMs: null, extra: {},
});

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('registry down before any schema is cached: records wait, readiness false, then resume; only bad data is dead-lettered', { timeout: 120_000 }, async () => {
  assert.ok(registryUrl, 'SCHEMA_REGISTRY_URL names the real registry (pnpm test sets it)');
  const customer = `outage${Date.now().toString(36)}`;
  const topic = logsTopic(customer);
  const bus = createEmbeddedBus();
  await bus.admin.createTopics([{ topic, partitions: 1 }]);
  // Written by a producer that reached the registry; the stage's own client has cached nothing.
  const writer = createSerde<RequestEvent>({ schemaRegistryUrl: registryUrl });
  const producer = await bus.producer();
  await producer.send([
    { topic, key: 'k', value: await writer.encode(topic, event(customer, 1)) },
    { topic, key: 'k', value: Buffer.from('not avro at all') },
    { topic, key: 'k', value: await writer.encode(topic, event(customer, 2)) },
    { topic, key: 'k', value: await writer.encode(topic, event(customer, 3)) },
  ]);
  await producer.close();

  const proxy = await switchableProxy(registryUrl, { up: false });
  const health = new StageHealth();
  const retries: string[] = [];
  const waiting: boolean[] = [];
  const deadLettered: string[] = [];
  const metrics: StageMetrics = {
    ...noopMetrics,
    retry: (op) => retries.push(op),
    waiting: (op, value) => op === 'process' && waiting.push(value),
    deadLetters: (reason) => deadLettered.push(reason),
  };
  const abort = new AbortController();
  const running = runSessionize({
    bus, registry: { schemaRegistryUrl: proxy.url }, signal: abort.signal, handleSignals: false, partitions: 1,
    tickIntervalMs: 50, health, metrics, stage: { closeIdleAfterMs: 300 },
  });

  const sessionSerde = createSerde<SessionFeatures>({ schemaRegistryUrl: registryUrl });
  const closed: SessionFeatures[] = [];
  const deadLetters: ConsumedMessage[] = [];
  const reader = bus.consumer({ groupId: 'registry-outage-reader' });
  await reader.subscribe([SESSIONS_TOPIC, 'weir-sessionize.dlq']);
  await reader.run(async (batch) => {
    for (const message of batch.messages) {
      if (batch.topic === 'weir-sessionize.dlq') deadLetters.push(message);
      else {
        const session = await sessionSerde.decode(batch.topic, message.value!);
        if (session.closed && session.customer === customer) closed.push(session);
      }
    }
  });

  try {
    await until('the stage to retry the held chunk twice', () => retries.filter((op) => op === 'process').length >= 2);
    assert.ok(proxy.requests.refused > 0, 'the stage did ask the registry');
    await assert.rejects(health.check(), { code: 'WEIR_DEPENDENCY_UNAVAILABLE', message: /sessionize process: .*WEIR_REGISTRY_UNAVAILABLE/ });
    assert.deepEqual(waiting, [true]);
    assert.equal(deadLetters.length, 0, 'nothing dead-lettered while the registry is down');
    assert.equal(closed.length, 0);

    proxy.up = true;
    await until('the session to close', () => closed.length > 0 && deadLetters.length > 0);
    await health.check();
    assert.deepEqual(waiting, [true, false]);
    assert.equal(closed.length, 1);
    assert.equal(closed[0]!.requestCount, 3, 'every good event counted once');
    assert.equal(deadLetters.length, 1, 'only the undecodable record');
    assert.equal(deadLetters[0]!.value?.toString(), 'not avro at all');
    assert.match(deadLetters[0]!.headers[DLQ_HEADERS.reason]?.toString() ?? '', /^WEIR_STAGE_DECODE: .*WEIR_SERDE_UNKNOWN_MAGIC_BYTE/);
    assert.deepEqual(deadLettered, ['WEIR_STAGE_DECODE'], 'dead letters counted once, when written');
  } finally {
    abort.abort();
    await running;
    await reader.stop();
    await bus.close();
    await proxy.close();
  }
});

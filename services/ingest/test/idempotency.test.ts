/**
 * Resends of a batch named by an Idempotency-Key, on the embedded bus: after a produce timeout
 * (503) whose write landed after all, after a produce that failed part-way, and a key reused for
 * another batch. Each line ends up in the topic exactly once.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { logsTopic } from '@weir/contracts';
import { IdempotencyCache } from '../src/idempotency.js';
import type { IngestReport } from '../src/routes/logs.js';
import { auth, busWithSend, combinedLine, KEYS, readTopic, testApp, type TestApp } from './helpers.js';

const apps: TestApp[] = [];
function app(...args: Parameters<typeof testApp>): TestApp {
  const made = testApp(...args);
  apps.push(made);
  return made;
}
after(async () => {
  await Promise.all(apps.map((a) => a.close()));
  await Promise.all(apps.map((a) => a.bus.close()));
});

const body = (n: number, tag: string) => Array.from({ length: n }, (_, i) => combinedLine(`198.51.100.${i % 30}`, `ua-${i % 4}`, `/${tag}/${i}`)).join('\n') + '\n';
const post = (t: TestApp, payload: string, key?: string) =>
  t.app.inject({
    method: 'POST',
    url: '/v1/logs',
    headers: { ...auth(KEYS.acme), 'content-type': 'text/plain', ...(key ? { 'idempotency-key': key } : {}) },
    payload,
  });

async function paths(t: TestApp): Promise<string[]> {
  return (await readTopic(t.bus, t.serde, logsTopic('acme'))).map((r) => r.event.path).sort();
}

test('a resend after a produce timeout (503) that landed after all gets the first answer and writes nothing again', async () => {
  let sends = 0;
  let land: () => void = () => undefined;
  // The first produce is acknowledged only when the test says so, long after the produce timeout.
  const bus = busWithSend(async (messages, real) => {
    if (sends++ === 0) await new Promise<void>((resolve) => (land = resolve));
    return real.send(messages);
  });
  const t = app({ bus, limits: { produceTimeoutMs: 100 } });
  const lines = body(50, 'timeout');
  const first = await post(t, lines, 'batch-1');
  assert.equal(first.statusCode, 503, first.body);
  // Still in flight: the resend waits (up to the produce timeout) and is told to come back.
  const early = await post(t, lines, 'batch-1');
  assert.equal(early.statusCode, 503, early.body);
  assert.match(early.json().error.message, /still being written/);
  land();
  const again = await post(t, lines, 'batch-1');
  assert.equal(again.statusCode, 200, again.body);
  assert.equal(again.headers['idempotent-replayed'], 'true');
  assert.equal((again.json() as IngestReport).accepted, 50);
  const third = await post(t, lines, 'batch-1');
  assert.equal(third.statusCode, 200);
  assert.equal(third.headers['idempotent-replayed'], 'true');
  assert.equal(sends, 1, 'produced once');
  const written = await paths(t);
  assert.equal(written.length, 50);
  assert.equal(new Set(written).size, 50, 'every line exactly once');
  assert.match((await t.app.inject({ method: 'GET', url: '/metrics' })).body, /weir_ingest_replayed_total\{customer="acme"\} 2/);
});

test('a produce that failed part-way: the resend writes only the chunks Kafka did not acknowledge', async () => {
  let calls = 0;
  const bus = busWithSend(async (messages, real) => {
    calls++;
    if (calls === 2) throw Object.assign(new Error('NOT_ENOUGH_REPLICAS'), { code: 'WEIR_BUS_KAFKA' });
    return real.send(messages);
  });
  // Small produce calls: the batch goes in several chunks.
  const t = app({ bus, limits: { maxChunkBytes: 2000 } });
  const lines = body(60, 'partial');
  const first = await post(t, lines, 'batch-2');
  assert.equal(first.statusCode, 503, first.body);
  assert.ok((await paths(t)).length > 0, 'the first chunk was written');
  const again = await post(t, lines, 'batch-2');
  assert.equal(again.statusCode, 200, again.body);
  const written = await paths(t);
  assert.equal(written.length, 60);
  assert.equal(new Set(written).size, 60, 'every line exactly once');
});

test('without a key a resend writes again (at least once); a key reused for another batch is refused (422)', async () => {
  const t = app();
  const lines = body(3, 'nokey');
  assert.equal((await post(t, lines)).statusCode, 200);
  assert.equal((await post(t, lines)).statusCode, 200);
  assert.equal((await paths(t)).length, 6);
  assert.equal((await post(t, body(2, 'one'), 'batch-3')).statusCode, 200);
  const reused = await post(t, body(2, 'other'), 'batch-3');
  assert.equal(reused.statusCode, 422);
  assert.equal(reused.json().error.code, 'WEIR_INGEST_IDEMPOTENCY_KEY_REUSED');
  const malformed = await post(t, lines, 'has spaces in it');
  assert.equal(malformed.statusCode, 400);
});

test('the cache is bounded per customer: keys and answer bytes, and the window', () => {
  let now = 0;
  const cache = new IdempotencyCache({ windowMs: 1000, maxKeys: 3, maxBytes: 10_000, now: () => now });
  for (let i = 0; i < 10; i++) cache.record('acme', `k${i}`, 'f', { kind: 'answered', status: 200, body: '{}' });
  assert.equal(cache.size('acme'), 3);
  assert.equal(cache.lookup('acme', 'k0', 'f'), null, 'the oldest forgotten first');
  assert.deepEqual(cache.lookup('acme', 'k9', 'f'), { kind: 'answered', status: 200, body: '{}' });
  cache.record('globex', 'big', 'f', { kind: 'answered', status: 200, body: 'x'.repeat(20_000) });
  assert.equal(cache.size('globex'), 0, 'an answer over the byte bound is not kept');
  assert.equal(cache.size('acme'), 3, 'customers do not evict each other');
  now = 1001;
  assert.equal(cache.lookup('acme', 'k9', 'f'), null, 'past the window');
});

test('two requests with the same key at once: one writes, the other waits and gets its answer', async () => {
  let sends = 0;
  let land: () => void = () => undefined;
  const bus = busWithSend(async (messages, real) => {
    sends++;
    await new Promise<void>((resolve) => (land = resolve));
    return real.send(messages);
  });
  const t = app({ bus });
  const lines = body(20, 'concurrent');
  const first = post(t, lines, 'batch-4');
  const second = post(t, lines, 'batch-4');
  while (sends === 0) await new Promise((r) => setTimeout(r, 5));
  land();
  const answers = await Promise.all([first, second]);
  assert.deepEqual(answers.map((a) => a.statusCode), [200, 200], answers.map((a) => a.body).join('\n'));
  assert.equal(answers.filter((a) => a.headers['idempotent-replayed'] === 'true').length, 1);
  assert.equal(sends, 1, 'produced once');
  assert.equal((await paths(t)).length, 20);
});

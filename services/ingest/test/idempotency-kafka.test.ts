/**
 * Item: resends are idempotent, on the real broker and registry. Kafka acknowledges the first
 * produce only after the service answered 503 (produce timeout); `weir ingest` resends that
 * batch with its Idempotency-Key, and each line is in `weir.logs.<customer>` exactly once.
 * Without KAFKA_BROKERS and SCHEMA_REGISTRY_URL this FAILS (it must not pass by testing nothing).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createSerde, logsTopic, serdeConfigFromEnv, type RequestEvent } from '@weir/contracts';
import { busConfigFromEnv, createBus, type Bus } from '@weir/stream';
import { ApiKeys } from '../src/api-keys.js';
import { weirIngest } from './cli.js';
import { busWithSend, combinedLine, quietLogger, readTopic, testApp, type TestApp } from './helpers.js';

const customer = `idem-test-${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
const key = randomBytes(24).toString('base64url');
const dir = mkdtempSync(join(tmpdir(), 'weir-ingest-idem-'));
let kafka: Bus | undefined;
let service: TestApp | undefined;

before(async () => {
  assert.ok(process.env.KAFKA_BROKERS, 'KAFKA_BROKERS is not set: this test needs the real broker (run it with `pnpm test`)');
  assert.ok(process.env.SCHEMA_REGISTRY_URL, 'SCHEMA_REGISTRY_URL is not set: this test needs the real registry (run it with `pnpm test`)');
  kafka = await createBus(busConfigFromEnv({ ...process.env, WEIR_BUS: 'kafka' }), quietLogger());
});

after(async () => {
  await service?.close();
  if (kafka) {
    await kafka.admin.deleteTopics([logsTopic(customer)]).catch(() => undefined);
    await kafka.close();
  }
  rmSync(dir, { recursive: true, force: true });
});

test('a resend after a produce timeout leaves each line exactly once in weir.logs.<customer>', { timeout: 120_000 }, async () => {
  let sends = 0;
  let firstLanded = false;
  // The first produce reaches Kafka 2 s late: after the service answered 503 for it.
  const bus = busWithSend(
    async (messages, real) => {
      if (sends++ === 0) {
        await new Promise((r) => setTimeout(r, 2000));
        const written = await real.send(messages);
        firstLanded = true;
        return written;
      }
      return real.send(messages);
    },
    { inner: kafka! },
  );
  const serde = createSerde<RequestEvent>(serdeConfigFromEnv(process.env));
  service = testApp({
    bus,
    serde,
    keys: new ApiKeys(new Map([[customer, [key]]])),
    port: 0,
    host: '127.0.0.1',
    partitions: 2,
    limits: { produceTimeoutMs: 500, retryAfterSeconds: 1 },
  });
  const url = await service.http.listen();

  const count = 300;
  const file = join(dir, 'access.log');
  writeFileSync(file, Array.from({ length: count }, (_, i) => combinedLine(`198.51.100.${i % 40}`, `ua-${i % 5}`, `/line/${i}`)).join('\n') + '\n');
  const run = await weirIngest(['--file', file, '--customer', customer, '--url', url, `--key=${key}`, '--batch-lines', '100', '--gzip']);
  assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
  assert.match(run.stderr, /HTTP 503 WEIR_INGEST_UNAVAILABLE: retrying lines 1-100/);
  assert.match(run.stdout, new RegExp(`sent ${count}: accepted ${count}, rejected 0`));
  assert.ok(firstLanded, 'the timed-out produce did land');

  const records = await readTopic(kafka!, serde, logsTopic(customer));
  const paths = records.map((r) => r.event.path);
  assert.equal(paths.length, count, 'no line twice, none lost');
  assert.equal(new Set(paths).size, count);
});

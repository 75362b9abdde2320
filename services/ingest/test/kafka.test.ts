/**
 * The real thing: the ingest service (`main.ts`, a child process) on the real Kafka broker and
 * schema registry the test runner provides, fed simulated traffic by `weir simulate` and
 * `weir ingest` exactly as a person would run them. Without KAFKA_BROKERS and
 * SCHEMA_REGISTRY_URL this FAILS: a suite that skips would pass on a machine that tests nothing.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createSerde, logsTopic, type RequestEvent } from '@weir/contracts';
import { pino } from 'pino';
import { busConfigFromEnv, createBus, type Bus } from '@weir/stream';
import { start, until, weirIngest, type Running } from './cli.js';
import { readTopic } from './helpers.js';

const PARTITIONS = 4;
const customer = `ingest-test-${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
const key = randomBytes(24).toString('base64url');
const dir = mkdtempSync(join(tmpdir(), 'weir-ingest-kafka-'));

let service: Running | undefined;
let url = '';
/** /healthz, /readyz and /metrics: WEIR_ADMIN_PORT, off the public port. */
let adminUrl = '';
let bus: Bus | undefined;

before(async () => {
  assert.ok(process.env.KAFKA_BROKERS, 'KAFKA_BROKERS is not set: this test needs the real broker (run it with `pnpm test`)');
  assert.ok(process.env.SCHEMA_REGISTRY_URL, 'SCHEMA_REGISTRY_URL is not set: this test needs the real registry (run it with `pnpm test`)');
  service = start('services/ingest/src/main.ts', [], {
    env: {
      WEIR_BUS: 'kafka',
      PORT: '0',
      WEIR_ADMIN_PORT: '0',
      HOST: '127.0.0.1',
      WEIR_INGEST_API_KEYS: `${customer}:${key}`,
      WEIR_LOGS_PARTITIONS: String(PARTITIONS),
      WEIR_LOG_LEVEL: 'info',
      KAFKA_CLIENT_ID: 'weir-ingest-test',
    },
  });
  const running = service;
  url = await until(
    'the service to listen',
    () => {
      const line = running.stdout().split('\n').find((l) => l.includes('"msg":"listening"'));
      if (!line) {
        if (running.child.exitCode !== null) throw new Error(`ingest exited with ${running.child.exitCode}:\n${running.stdout()}\n${running.stderr()}`);
        return undefined;
      }
      return (JSON.parse(line) as { url: string }).url;
    },
    60_000,
  );
  const adminLine = running.stdout().split('\n').find((l) => l.includes('"msg":"admin listening'));
  assert.ok(adminLine, running.stdout());
  adminUrl = (JSON.parse(adminLine) as { url: string }).url;
  const config = busConfigFromEnv({ ...process.env, WEIR_BUS: 'kafka' });
  bus = await createBus(config, pino({ level: 'warn' }));
});

after(async () => {
  service?.child.kill('SIGKILL');
  if (bus) {
    await bus.admin.deleteTopics([logsTopic(customer)]).catch(() => undefined);
    await bus.close();
  }
  rmSync(dir, { recursive: true, force: true });
});

test('simulated traffic sent with weir ingest is all in weir.logs.<customer>, one partition per session', async () => {
  const simulate = await start('shared/cli/src/main.ts', ['simulate', '--out', dir, '--customers', '1', '--duration', '20m', '--seed', '11', '--quiet']).done;
  assert.equal(simulate.code, 0, simulate.stderr);
  const logFile = join(dir, readdirSync(dir).find((f) => f.endsWith('.log'))!);
  const lineCount = readFileSync(logFile, 'utf8').split('\n').filter((l) => l !== '').length;
  assert.ok(lineCount > 2000, `enough traffic: ${lineCount} lines`);

  const run = await weirIngest(['--file', logFile, '--customer', customer, '--url', url, `--key=${key}`, '--batch-lines', '2000', '--gzip']);
  assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
  const summary = /sent ([\d,]+): accepted ([\d,]+), rejected (\d+)/.exec(run.stdout);
  assert.ok(summary, run.stdout);
  const accepted = Number(summary[2]!.replaceAll(',', ''));
  assert.equal(accepted, lineCount);

  const topic = logsTopic(customer);
  assert.equal(await bus!.admin.partitionCount(topic), PARTITIONS, 'created with WEIR_LOGS_PARTITIONS');
  const serde = createSerde<RequestEvent>();
  const records = await readTopic(bus!, serde, topic);
  assert.equal(records.length, accepted, 'every accepted line is in the topic');

  const partitionsOf = new Map<string, Set<number>>();
  for (const { partition, key: messageKey, event } of records) {
    assert.equal(event.customer, customer);
    const session = `${event.clientIp}|${event.userAgent ?? ''}`;
    assert.equal(messageKey, session);
    const seen = partitionsOf.get(session) ?? new Set<number>();
    seen.add(partition);
    partitionsOf.set(session, seen);
  }
  for (const [session, seen] of partitionsOf) assert.equal(seen.size, 1, `session ${session} is on one partition`);
  assert.ok(partitionsOf.size > 20, `many sessions: ${partitionsOf.size}`);
  assert.equal(new Set(records.map((r) => r.partition)).size, PARTITIONS, 'sessions spread over every partition');

  const ready = await fetch(`${adminUrl}/readyz`);
  assert.equal(ready.status, 200);
  const report = (await ready.json()) as { ready: boolean; checks: Record<string, { ok: boolean }> };
  assert.equal(report.checks.kafka?.ok, true);
  assert.equal(report.checks.schemaRegistry?.ok, true);

  const metrics = await (await fetch(`${adminUrl}/metrics`)).text();
  assert.equal((await fetch(`${url}/metrics`)).status, 404, 'not on the public port');
  assert.match(metrics, new RegExp(`weir_ingest_lines_accepted_total\\{customer="${customer}"\\} ${accepted}\\b`));
  assert.match(metrics, new RegExp(`weir_ingest_requests_total\\{customer="${customer}",status="200",code=""\\} \\d+`));
  assert.match(metrics, /weir_ingest_produce_duration_seconds_count\{outcome="ok"\} \d+/);
  assert.match(metrics, /weir_ingest_inflight_bytes 0/);
});

test('SIGTERM shuts the service down cleanly', async () => {
  const running = service!;
  running.child.kill('SIGTERM');
  const finished = await running.done;
  assert.equal(finished.code, 0, finished.stdout + finished.stderr);
  assert.match(finished.stdout, /"msg":"shut down"/);
});

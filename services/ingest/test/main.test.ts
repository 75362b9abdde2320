/**
 * The service as deployed (`main.ts`, a child process, on the embedded bus): `--help`, and
 * SIGTERM while clients trickle bodies — the shutdown refuses them (503) instead of waiting
 * for them, and finishes well within its timeout.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { start, until } from './cli.js';
import { KEYS } from './helpers.js';
import { statusOf, trickle } from './sockets.js';

test('--help prints the configuration and exits 0, without any configuration', async () => {
  const run = await start('services/ingest/src/main.ts', ['--help'], { env: { WEIR_INGEST_API_KEYS: '', KAFKA_BROKERS: '', WEIR_BUS: '' } }).done;
  assert.equal(run.code, 0, run.stderr);
  for (const name of ['WEIR_INGEST_API_KEYS', 'WEIR_ADMIN_PORT', 'WEIR_INGEST_BODY_TIMEOUT', 'WEIR_INGEST_MAX_LINE_BYTES', 'KAFKA_BROKERS', 'SCHEMA_REGISTRY_URL']) {
    assert.match(run.stdout, new RegExp(`^  ${name}: `, 'm'));
  }
});

test('SIGTERM with 8 clients trickling bodies: they get 503, and the service exits long before the body or shutdown timeout', { timeout: 60_000 }, async () => {
  const service = start('services/ingest/src/main.ts', [], {
    env: {
      WEIR_BUS: 'embedded',
      PORT: '0',
      WEIR_ADMIN_PORT: '0',
      HOST: '127.0.0.1',
      WEIR_INGEST_API_KEYS: `acme:${KEYS.acme}`,
      WEIR_INGEST_BODY_TIMEOUT: '10m',
      WEIR_SHUTDOWN_TIMEOUT: '10m',
      WEIR_LOG_LEVEL: 'info',
      SCHEMA_REGISTRY_URL: '',
    },
  });
  const url = await until(
    'the service to listen',
    () => {
      const line = service.stdout().split('\n').find((l) => l.includes('"msg":"listening"'));
      if (!line && service.child.exitCode !== null) throw new Error(`exited: ${service.stdout()}${service.stderr()}`);
      return line ? (JSON.parse(line) as { url: string }).url : undefined;
    },
    30_000,
  );
  const clients = Array.from({ length: 8 }, () => trickle(url, '/v1/logs', { authorization: `Bearer ${KEYS.acme}`, 'content-type': 'text/plain' }, 8 * 1024 * 1024, 20));
  await until('the clients to be sending', () => clients.every((c) => c.sent() >= 3));
  const stopping = performance.now();
  service.child.kill('SIGTERM');
  const finished = await service.done;
  const seconds = (performance.now() - stopping) / 1000;
  const answers = await Promise.all(clients.map((c) => c.answer));
  assert.equal(finished.code, 0, finished.stdout + finished.stderr);
  assert.match(finished.stdout, /"msg":"shut down"/);
  for (const answer of answers) {
    assert.equal(statusOf(answer), 503, answer);
    // Ours, or fastify's own 503 for a request that reaches the server after it began closing:
    // which of the two a trickler gets depends on timing, both say "shutting down".
    assert.match(answer, /WEIR_INGEST_SHUTTING_DOWN|"statusCode":503/);
  }
  // The timeouts are 10 minutes: anything near them means the tricklers were waited for.
  assert.ok(seconds < 30, `shut down in ${seconds.toFixed(1)} s`);
});

/**
 * `weir ingest` against the ingest service on the embedded bus, over real HTTP on loopback:
 * batching with file-relative line numbers, gzip, retries, 413 splitting, --follow through
 * rotation and truncation, stdin, and the exit codes.
 */
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, renameSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { logsTopic } from '@weir/contracts';
import type { IngestAppDeps } from '../src/app.js';
import { start, until, weirIngest } from './cli.js';
import { busWithSend, combinedLine, KEYS, readTopic, testApp, type TestApp } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'weir-ingest-cli-'));
const servers: TestApp[] = [];
after(async () => {
  for (const s of servers) {
    await s.close();
    await s.bus.close();
  }
  rmSync(dir, { recursive: true, force: true });
});

async function serve(overrides: Partial<IngestAppDeps> = {}): Promise<{ app: TestApp; url: string }> {
  const app = testApp({ port: 0, host: '127.0.0.1', ...overrides });
  servers.push(app);
  const url = await app.http.listen();
  return { app, url };
}

const lines = (n: number, from = 0) => Array.from({ length: n }, (_, i) => combinedLine(`198.51.100.${(from + i) % 50}`, `agent-${(from + i) % 7}`, `/page/${from + i}`));

const count = async (app: TestApp): Promise<number> => {
  if (!(await app.bus.admin.listTopics()).includes(logsTopic('acme'))) return 0;
  return (await readTopic(app.bus, app.serde, logsTopic('acme'))).length;
};

test('a file in batches: rejected lines are numbered in the file, not the batch; exit 3 when some were rejected', async () => {
  const { app, url } = await serve();
  const content = lines(23);
  content[1] = 'broken line';
  content[11] = '';
  content[17] = 'also broken';
  const file = join(dir, 'batches.log');
  writeFileSync(file, content.join('\n') + '\n');
  const run = await weirIngest(['--file', file, '--customer', 'acme', '--url', url, '--key', KEYS.acme, '--batch-lines', '5']);
  assert.equal(run.code, 3, run.stderr + run.stdout);
  assert.match(run.stdout, new RegExp(`${file}:2: layout: `));
  assert.match(run.stdout, new RegExp(`${file}:18: layout: `));
  assert.match(run.stdout, /read 23 lines, sent 23: accepted 20, rejected 2, blank 1 .*5 requests, 0 retries/);
  assert.equal(await count(app), 20);
});

test('every line accepted, gzip, the key from WEIR_INGEST_KEY: exit 0', async () => {
  const { app, url } = await serve();
  const file = join(dir, 'good.log');
  writeFileSync(file, lines(1200).join('\n')); // no final newline: the last line still counts
  const run = await weirIngest(['--file', file, '--customer', 'acme', '--url', `${url}/`, '--gzip', '--batch-lines', '500'], {
    env: { WEIR_INGEST_KEY: KEYS.acme },
  });
  assert.equal(run.code, 0, run.stderr + run.stdout);
  assert.match(run.stdout, /accepted 1,200, rejected 0/);
  assert.equal(await count(app), 1200);
});

test('NDJSON from stdin with --format json', async () => {
  const { app, url } = await serve();
  const input = [
    JSON.stringify({ time: 1728568536, remote_addr: '192.0.2.1', request: 'GET / HTTP/1.1', status: 200 }),
    JSON.stringify({ time: 1728568537, remote_addr: '192.0.2.2', request: 'GET /x HTTP/1.1', status: 404 }),
  ].join('\n');
  const run = await weirIngest(['--stdin', '--format', 'json', '--customer', 'acme', '--url', url, '--key', KEYS.acme], { input });
  assert.equal(run.code, 0, run.stderr + run.stdout);
  assert.match(run.stdout, /^-: read 2 lines/m);
  assert.equal(await count(app), 2);
});

test('503 and 429 are retried after Retry-After until Kafka takes the batch', async () => {
  let failures = 2;
  const bus = busWithSend(async (messages, real) => {
    if (failures-- > 0) throw Object.assign(new Error('broker not available'), { code: 'WEIR_BUS_KAFKA' });
    return real.send(messages);
  });
  const { app, url } = await serve({ bus, limits: { retryAfterSeconds: 1 } });
  const file = join(dir, 'retry.log');
  writeFileSync(file, lines(10).join('\n') + '\n');
  const run = await weirIngest(['--file', file, '--customer', 'acme', '--url', url, '--key', KEYS.acme]);
  assert.equal(run.code, 0, run.stderr + run.stdout);
  assert.match(run.stderr, /HTTP 503 WEIR_INGEST_UNAVAILABLE: retrying lines 1-10 .* in 1\.\d s/);
  assert.match(run.stdout, /accepted 10, .*3 requests, 2 retries/);
  assert.equal(await count(app), 10);
});

test('retries used up: exit 1, and the summary says how much was not sent', async () => {
  const bus = busWithSend(async () => {
    throw Object.assign(new Error('broker not available'), { code: 'WEIR_BUS_KAFKA' });
  });
  const { url } = await serve({ bus, limits: { retryAfterSeconds: 1 } });
  const file = join(dir, 'down.log');
  writeFileSync(file, lines(10).join('\n') + '\n');
  const run = await weirIngest(['--file', file, '--customer', 'acme', '--url', url, '--key', KEYS.acme, '--retries', '1']);
  assert.equal(run.code, 1, run.stderr + run.stdout);
  assert.match(run.stderr, /giving up on lines 1-10 .* after 2 attempts: HTTP 503/);
  assert.match(run.stdout, /NOT sent 10/);
});

test('a batch over the service\'s body limit is split; a single line over it is reported', async () => {
  const { app, url } = await serve({ limits: { maxBodyBytes: 2048, maxInflightBytes: 1 << 20 } });
  const content = lines(40);
  content[30] = combinedLine('192.0.2.9', 'x'.repeat(3000));
  const file = join(dir, 'split.log');
  writeFileSync(file, content.join('\n') + '\n');
  const run = await weirIngest(['--file', file, '--customer', 'acme', '--url', url, '--key', KEYS.acme, '--batch-lines', '40']);
  assert.equal(run.code, 3, run.stderr + run.stdout);
  assert.match(run.stdout, new RegExp(`${file}:31: too_large: `));
  assert.match(run.stdout, /accepted 39, rejected 1/);
  assert.equal(await count(app), 39);
});

test('refusals end the run with exit 1; wrong arguments with 2; a missing file with 1', async () => {
  const { url } = await serve();
  const file = join(dir, 'refused.log');
  writeFileSync(file, lines(3).join('\n'));
  const wrongKey = await weirIngest(['--file', file, '--customer', 'acme', '--url', url, '--key', 'not-a-key-0123456789']);
  assert.equal(wrongKey.code, 1);
  assert.match(wrongKey.stderr, /HTTP 401 WEIR_INGEST_UNAUTHORIZED/);
  const otherCustomer = await weirIngest(['--file', file, '--customer', 'globex', '--url', url, '--key', KEYS.acme]);
  assert.equal(otherCustomer.code, 1);
  assert.match(otherCustomer.stderr, /HTTP 403 WEIR_INGEST_FORBIDDEN/);
  assert.equal((await weirIngest(['--file', file, '--stdin', '--customer', 'acme', '--url', url, '--key', KEYS.acme])).code, 2);
  assert.equal((await weirIngest(['--stdin', '--follow', '--customer', 'acme', '--url', url, '--key', KEYS.acme])).code, 2);
  const missing = await weirIngest(['--file', join(dir, 'nope.log'), '--customer', 'acme', '--url', url, '--key', KEYS.acme]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /ENOENT/);
});

test('--follow sends what is appended, follows rotation and truncation, and flushes on SIGTERM', async () => {
  const { app, url } = await serve();
  const file = join(dir, 'follow.log');
  writeFileSync(file, lines(5).join('\n') + '\n');
  const tail = start('shared/cli/src/main.ts', ['ingest', '--file', file, '--follow', '--customer', 'acme', '--url', url, '--key', KEYS.acme]);
  try {
    await until('the first lines', async () => (await count(app)) === 5);
    appendFileSync(file, lines(3, 100).join('\n') + '\n');
    await until('appended lines', async () => (await count(app)) === 8);

    // Rotation: the old file gets a last line, is moved away, a new one takes its place.
    appendFileSync(file, lines(1, 200)[0] + '\n');
    renameSync(file, `${file}.1`);
    writeFileSync(file, lines(2, 300).join('\n') + '\n' + 'bad line after rotation\n');
    await until('the rotated file', async () => (await count(app)) === 11, 15_000);
    await until('the rejection', () => /follow\.log:3: layout/.test(tail.stdout()));

    // copytruncate: the file shrinks in place and starts again.
    truncateSync(file, 0);
    await new Promise((r) => setTimeout(r, 600));
    appendFileSync(file, lines(4, 400).join('\n') + '\n');
    await until('lines after truncation', async () => (await count(app)) === 15, 15_000);

    // A line still being written (no newline yet) is sent when the run ends.
    appendFileSync(file, lines(1, 500)[0]!);
    await new Promise((r) => setTimeout(r, 600));
    tail.child.kill('SIGTERM');
    const finished = await tail.done;
    assert.equal(finished.code, 3, finished.stderr + finished.stdout);
    assert.match(finished.stderr, /was replaced \(rotated\)/);
    assert.match(finished.stderr, /was truncated/);
    assert.match(finished.stdout, /accepted 16, rejected 1/);
    assert.equal(await count(app), 16);
  } finally {
    tail.child.kill('SIGKILL');
  }
});

/**
 * Clients that misbehave, over real sockets on loopback: bodies trickled a byte at a time (they
 * must hold neither the in-flight budget nor other customers), one customer's uploads filling
 * its share, gzip bombs, a 10 MB body (the event loop keeps answering /healthz), over-long lines
 * and invalid UTF-8.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { after, describe, test } from 'node:test';
import { EmbeddedRegistry, logsTopic, RegistrySerde, type RequestEvent } from '@weir/contracts';
import type { IngestAppDeps } from '../src/app.js';
import type { IngestReport } from '../src/routes/logs.js';
import { auth, busWithSend, combinedLine, gzip, KEYS, readTopic, testApp, type TestApp } from './helpers.js';
import { statusOf, trickle, type Trickler } from './sockets.js';

const apps: TestApp[] = [];
const tricklers: Trickler[] = [];
after(async () => {
  for (const t of tricklers) t.stop();
  for (const a of apps) {
    await a.close();
    await a.bus.close();
  }
});

async function serve(overrides: Partial<IngestAppDeps> = {}): Promise<{ t: TestApp; url: string }> {
  const t = testApp({ port: 0, host: '127.0.0.1', ...overrides });
  apps.push(t);
  return { t, url: await t.http.listen() };
}

const TEXT = { 'content-type': 'text/plain' };
const lines = (n: number, tag: string) => Array.from({ length: n }, (_, i) => combinedLine(`198.51.100.${i % 200}`, `agent-${i % 7}`, `/${tag}/${i}`)).join('\n') + '\n';

async function until(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function postFetch(url: string, key: string, body: string | Buffer, headers: Record<string, string> = TEXT) {
  const res = await fetch(`${url}/v1/logs`, { method: 'POST', headers: { ...auth(key), ...headers }, body });
  return { status: res.status, json: (await res.json()) as IngestReport & { error?: { code: string; message: string } } };
}

describe('slow clients', () => {
  test('8 connections trickling 1 MiB bodies hold only the bytes they sent: other customers, and the same one, are served', async () => {
    const MiB = 1024 * 1024;
    // The setup scaled down: 8 announced bodies fill the budget if reserved on the headers.
    const { t, url } = await serve({ limits: { maxBodyBytes: MiB, maxInflightBytes: 8 * MiB, maxInflightBytesPerCustomer: 8 * MiB, bodyTimeoutMs: 60_000 } });
    for (let i = 0; i < 8; i++) tricklers.push(trickle(url, '/v1/logs', { ...auth(KEYS.acme), ...TEXT }, MiB, 20));
    // Every trickler admitted and its first bytes charged.
    await until('the tricklers to send', () => tricklers.slice(-8).every((c) => c.sent() >= 2) && t.budget.inUse >= 8);
    assert.ok(t.budget.inUse < 64 * 1024, `the budget holds what arrived, not what was announced: ${t.budget.inUse}`);

    const other = await postFetch(url, KEYS.globex, lines(20, 'globex'));
    assert.equal(other.status, 200, JSON.stringify(other.json));
    assert.equal(other.json.accepted, 20);
    const same = await postFetch(url, KEYS.acme, lines(5, 'acme'));
    assert.equal(same.status, 200, JSON.stringify(same.json));
    for (const c of tricklers.splice(-8)) c.stop();
    await until('the budget to drain', () => t.budget.inUse === 0);
  });

  test('a body that does not arrive within the body timeout is answered 408 and its connection closed', async () => {
    const { t, url } = await serve({ limits: { bodyTimeoutMs: 300 } });
    const slow = trickle(url, '/v1/logs', { ...auth(KEYS.acme), ...TEXT }, 10_000, 20);
    tricklers.push(slow);
    const answer = await slow.answer; // resolves when the server closes the connection
    assert.equal(statusOf(answer), 408, answer);
    assert.match(answer, /connection: close/i);
    assert.match(answer, /WEIR_INGEST_BODY_TIMEOUT/);
    assert.ok(slow.sent() < 10_000, 'cut off before the body was complete');
    await until('the budget to drain', () => t.budget.inUse === 0);
  });

  test("one customer's uploads stop at its share of the budget (429); the others are still served", async () => {
    const gate: Array<() => void> = [];
    // Kafka holds acme's records (so their bytes stay in flight); globex's go through.
    const bus = busWithSend((messages, real) =>
      messages[0]!.topic === logsTopic('acme') ? new Promise((resolve) => gate.push(() => resolve(real.send(messages)))) : real.send(messages),
    );
    const body = lines(400, 'share'); // ~40 KB
    const size = Buffer.byteLength(body);
    const { t, url } = await serve({
      bus,
      limits: { maxBodyBytes: size + 100, maxInflightBytes: 8 * size, maxInflightBytesPerCustomer: 2 * size + 200 },
    });
    const first = postFetch(url, KEYS.acme, body);
    const second = postFetch(url, KEYS.acme, body);
    await until('two acme bodies held', () => gate.length === 2);
    assert.equal(t.budget.inUseBy('acme'), 2 * size);
    const third = await postFetch(url, KEYS.acme, body);
    assert.equal(third.status, 429, JSON.stringify(third.json));
    assert.equal(third.json.error?.code, 'WEIR_INGEST_OVERLOADED');
    const other = await postFetch(url, KEYS.globex, body);
    assert.equal(other.status, 200, JSON.stringify(other.json));
    for (const open of gate.splice(0)) open();
    assert.equal((await first).status, 200);
    assert.equal((await second).status, 200);
  });
});

describe('gzip bombs', () => {
  test('40 concurrent 200 KB bombs: each stops at the size limit (413), and the decompressed bytes held stay within the budget', async (context) => {
    const MiB = 1024 * 1024;
    const { t, url } = await serve({ limits: { maxBodyBytes: 10 * MiB, maxInflightBytes: 64 * MiB, maxInflightBytesPerCustomer: 64 * MiB } });
    const bomb = gzip('\n'.repeat(200 * MiB));
    assert.ok(bomb.length < 256 * 1024, `about 200 KB on the wire: ${bomb.length}`);
    // Every change of the budget, seen as it happens (not sampled).
    let peak = 0;
    const adjust = t.budget.adjust.bind(t.budget);
    t.budget.adjust = (customer, delta) => {
      const ok = adjust(customer, delta);
      peak = Math.max(peak, t.budget.inUse);
      return ok;
    };
    // Memory outside the JS heap (buffers), sampled: unbounded decompression would hold ~400 MB.
    const before = process.memoryUsage().arrayBuffers;
    let memoryPeak = before;
    const watch = setInterval(() => (memoryPeak = Math.max(memoryPeak, process.memoryUsage().arrayBuffers)), 5);
    const sent = Array.from({ length: 40 }, () => postFetch(url, KEYS.acme, bomb, { ...TEXT, 'content-encoding': 'gzip' }));
    const answers = await Promise.all(sent);
    clearInterval(watch);
    context.diagnostic(`budget peak ${(peak / MiB).toFixed(1)} MiB, buffers grew by at most ${((memoryPeak - before) / MiB).toFixed(1)} MiB`);
    for (const { status, json } of answers) {
      assert.ok(status === 413 || status === 429, `${status} ${JSON.stringify(json)}`);
      if (status === 413) assert.match(json.error!.message, /decompressed body is over the limit of 10485760/);
    }
    assert.ok(answers.filter((a) => a.status === 413).length >= 4, 'several were decompressed up to the limit');
    // 40 bombs are 8 MB on the wire: a peak past 10 MiB is decompressed output, charged as produced.
    assert.ok(peak > 10 * MiB && peak <= 64 * MiB, `decompressed bytes were counted while produced, within the budget: peak ${peak}`);
    assert.ok(memoryPeak - before < 200 * MiB, `buffers grew by ${((memoryPeak - before) / MiB).toFixed(0)} MiB`);
    await until('the budget to drain', () => t.budget.inUse === 0);
  });
});

describe('large bodies', () => {
  test('a 10 MB body does not block the event loop: /healthz keeps answering while it is parsed and encoded', async (context) => {
    // The processing starts with the first lines' encoding (one by one or many at once): seen by
    // wrapping the app's serde.
    const serde = new RegistrySerde<RequestEvent>(new EmbeddedRegistry());
    let processingFrom = Number.POSITIVE_INFINITY;
    const encode = serde.encode.bind(serde);
    serde.encode = (topic, value) => {
      processingFrom = Math.min(processingFrom, performance.now());
      return encode(topic, value);
    };
    const encodeMany = serde.encodeMany.bind(serde);
    serde.encodeMany = (items) => {
      processingFrom = Math.min(processingFrom, performance.now());
      return encodeMany(items);
    };
    const { url } = await serve({ serde, limits: { maxBodyBytes: 12 * 1024 * 1024, maxInflightBytes: 64 * 1024 * 1024 } });
    const line = combinedLine('203.0.113.9', 'Mozilla/5.0 (X11; Linux x86_64) big-body', '/products/a-long-enough-path?page=1');
    const count = Math.ceil((10 * 1024 * 1024) / (line.length + 1));
    const body = Buffer.from(Array.from({ length: count }, () => line).join('\n') + '\n');
    assert.ok(body.length >= 10 * 1024 * 1024);

    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    const { hostname, port } = new URL(url);
    let answeredAt = Number.POSITIVE_INFINITY;
    const ingest = new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = request({ host: hostname, port: Number(port), method: 'POST', path: '/v1/logs', headers: { ...auth(KEYS.acme), ...TEXT, 'content-length': body.length } }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      });
      req.on('error', reject);
      req.end(body);
    }).finally(() => (answeredAt = performance.now()));

    // Health checks one after another until the body is answered, each with when it came back.
    const healthAnswers: number[] = [];
    while (answeredAt === Number.POSITIVE_INFINITY) {
      const res = await fetch(`${url}/healthz`);
      await res.arrayBuffer();
      assert.equal(res.status, 200);
      healthAnswers.push(performance.now());
    }
    const result = await ingest;
    delay.disable();
    assert.equal(result.status, 200, result.text.slice(0, 500));
    assert.equal((JSON.parse(result.text) as IngestReport).accepted, count);

    // Interleaving, not a stopwatch: processing all in one go would let no health check through
    // between its first encoded line and its answer, however fast or slow the machine.
    const during = healthAnswers.filter((at) => at > processingFrom && at < answeredAt).length;
    const processingMs = answeredAt - processingFrom;
    const maxDelayMs = delay.max / 1e6;
    context.diagnostic(`processing ${processingMs.toFixed(0)} ms, ${during} health checks answered meanwhile; event loop delay max ${maxDelayMs.toFixed(0)} ms, p99 ${(delay.percentile(99) / 1e6).toFixed(0)} ms`);
    assert.ok(during >= 5, `only ${during} health checks were answered during ${processingMs.toFixed(0)} ms of processing`);
    // Generous: no single stall takes a third of the processing (one block takes nearly all of it).
    assert.ok(maxDelayMs < processingMs / 3, `the event loop stalled ${maxDelayMs.toFixed(0)} ms of ${processingMs.toFixed(0)} ms`);
  });
});

describe('lines the topic cannot take as they are', () => {
  test('a line over WEIR_INGEST_MAX_LINE_BYTES is rejected too_large; the rest of the batch is written', async () => {
    const { t } = await serve();
    const huge = combinedLine('203.0.113.1', 'huge', `/${'a'.repeat(9 * 1024 * 1024)}`);
    const body = `${combinedLine('203.0.113.2', 'ok', '/before')}\n${huge}\n${combinedLine('203.0.113.3', 'ok', '/after')}\n`;
    const res = await t.app.inject({ method: 'POST', url: '/v1/logs', headers: { ...auth(KEYS.acme), ...TEXT }, payload: body });
    assert.equal(res.statusCode, 200, res.body.slice(0, 500));
    const report = res.json() as IngestReport;
    assert.equal(report.accepted, 2);
    assert.deepEqual(report.rejected.map((r) => [r.line, r.code]), [[2, 'too_large']]);
    assert.match(report.rejected[0]!.reason, /over the limit of 65536/);
    const records = await readTopic(t.bus, t.serde, logsTopic('acme'));
    assert.deepEqual(records.map((r) => r.event.path).sort(), ['/after', '/before']);
  });

  test('invalid UTF-8 rejects its line (invalid_utf8) instead of being replaced; the other lines are written unchanged', async () => {
    const { t } = await serve();
    const bad = Buffer.concat([Buffer.from('203.0.113.4 - - [10/Oct/2024:13:55:36 +0000] "GET /caf'), Buffer.from([0xe9]), Buffer.from('/x HTTP/1.1" 200 1 "-" "ua"')]);
    const body = Buffer.concat([Buffer.from(`${combinedLine('203.0.113.5', 'ua', '/café')}\n`), bad, Buffer.from('\n')]);
    const res = await t.app.inject({ method: 'POST', url: '/v1/logs', headers: { ...auth(KEYS.acme), 'content-type': 'text/plain; charset=utf-8' }, payload: body });
    assert.equal(res.statusCode, 200, res.body);
    const report = res.json() as IngestReport;
    assert.equal(report.accepted, 1);
    assert.deepEqual(report.rejected.map((r) => [r.line, r.code]), [[2, 'invalid_utf8']]);
    const records = await readTopic(t.bus, t.serde, logsTopic('acme'));
    assert.deepEqual(records.map((r) => r.event.path), ['/café']);
    assert.ok(records.every((r) => !JSON.stringify(r.event).includes('\ufffd')), 'no replacement character written');
  });
});

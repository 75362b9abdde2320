import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { cachedReadiness, createServiceHttp, readinessOf, type ReadinessReport } from '../src/index.js';

const quiet = pino({ level: 'silent' });

test('/healthz answers while /readyz follows the checks, and /metrics counts requests', async () => {
  let brokerUp = true;
  const registry = new Registry();
  const http = createServiceHttp({
    name: 'probe-test',
    logger: quiet,
    registry,
    readinessCacheMs: 0,
    readiness: readinessOf({
      broker: async () => {
        if (!brokerUp) throw Object.assign(new Error('connection refused'), { code: 'WEIR_BUS_KAFKA' });
      },
      registry: async () => undefined,
    }),
  });
  try {
    const health = await http.app.inject({ method: 'GET', url: '/healthz' });
    assert.equal(health.statusCode, 200);
    assert.equal(health.json().service, 'probe-test');

    const ready = await http.app.inject({ method: 'GET', url: '/readyz' });
    assert.equal(ready.statusCode, 200);
    assert.equal(ready.json().ready, true);

    brokerUp = false;
    const notReady = await http.app.inject({ method: 'GET', url: '/readyz' });
    assert.equal(notReady.statusCode, 503);
    const report = notReady.json() as ReadinessReport;
    assert.equal(report.checks.broker?.ok, false);
    assert.match(report.checks.broker?.error ?? '', /WEIR_BUS_KAFKA: connection refused/);
    assert.equal(report.checks.registry?.ok, true);
    assert.equal((await http.app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200, 'liveness ignores dependencies');

    const metrics = await http.app.inject({ method: 'GET', url: '/metrics' });
    assert.equal(metrics.statusCode, 200);
    assert.match(metrics.headers['content-type'] as string, /^text\/plain/);
    assert.match(metrics.body, /weir_http_requests_total\{route="\/readyz",method="GET",status="503"\} 1/);
    assert.match(metrics.body, /process_cpu_user_seconds_total/);
  } finally {
    await http.close();
  }
});

test('drain makes /readyz answer 503 while other routes keep working', async () => {
  const http = createServiceHttp({ name: 'drain-test', logger: quiet, registry: new Registry(), readiness: readinessOf({}) });
  http.app.get('/work', async () => ({ done: true }));
  try {
    assert.equal((await http.app.inject({ method: 'GET', url: '/readyz' })).statusCode, 200);
    http.drain();
    assert.equal(http.draining, true);
    const ready = await http.app.inject({ method: 'GET', url: '/readyz' });
    assert.equal(ready.statusCode, 503);
    assert.equal(ready.json().draining, true);
    assert.equal((await http.app.inject({ method: 'GET', url: '/work' })).statusCode, 200);
  } finally {
    await http.close();
  }
});

test('listen serves on a real port', async () => {
  const http = createServiceHttp({ name: 'listen-test', logger: quiet, registry: new Registry(), readiness: readinessOf({}), port: 0, host: '127.0.0.1' });
  try {
    const url = await http.listen();
    const response = await fetch(`${url}/healthz`);
    assert.equal(response.status, 200);
  } finally {
    await http.close();
  }
});

test('two services on one registry share the request metrics instead of failing', async () => {
  const registry = new Registry();
  const a = createServiceHttp({ name: 'a', logger: quiet, registry, readiness: readinessOf({}) });
  const b = createServiceHttp({ name: 'b', logger: quiet, registry, readiness: readinessOf({}) });
  await a.close();
  await b.close();
});

test('readiness checks are bounded by a timeout', async () => {
  const readiness = readinessOf({ stuck: () => new Promise(() => undefined) }, { timeoutMs: 50 });
  const report = await readiness();
  assert.equal(report.ready, false);
  assert.match(report.checks.stuck?.error ?? '', /no answer within 50 ms/);
});

test('cachedReadiness reuses an answer for its ttl and runs one check at a time', async () => {
  let calls = 0;
  let clock = 0;
  let release: () => void = () => undefined;
  const readiness = cachedReadiness(
    async () => {
      calls++;
      await new Promise<void>((resolve) => (release = resolve));
      return { ready: true, checks: {} };
    },
    1000,
    () => clock,
  );
  const first = readiness();
  const second = readiness();
  release();
  await Promise.all([first, second]);
  assert.equal(calls, 1, 'concurrent probes share one check');
  clock = 500;
  await readiness();
  assert.equal(calls, 1, 'within the ttl the answer is reused');
  clock = 1500;
  const third = readiness();
  release();
  await third;
  assert.equal(calls, 2);
});

test('a readiness function that throws reports not ready', async () => {
  const readiness = cachedReadiness(async () => {
    throw new Error('boom');
  }, 0);
  const report = await readiness();
  assert.equal(report.ready, false);
  assert.match(report.checks.readiness?.error ?? '', /boom/);
});

test('redactUrl: credential-like query values replaced, everything else kept', async () => {
  const { redactUrl } = await import('../src/index.js');
  assert.equal(redactUrl('/v1/logs'), '/v1/logs');
  assert.equal(redactUrl('/v1/logs?customer=acme&format=combined'), '/v1/logs?customer=acme&format=combined');
  assert.equal(
    redactUrl('/v1/logs?customer=acme&api_key=s3cret&access_token=t&X-Amz-Signature=abc&password=p&flag'),
    '/v1/logs?customer=acme&api_key=[redacted]&access_token=[redacted]&X-Amz-Signature=[redacted]&password=[redacted]&flag',
  );
  assert.equal(redactUrl('/x?api%5Fkey=s3cret'), '/x?api%5Fkey=[redacted]', 'an encoded name is decoded first');
  assert.equal(redactUrl('/x?%E0%A4%A=v'), '/x?%E0%A4%A=[redacted]', 'a name that does not decode counts as a secret');
});

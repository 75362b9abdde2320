/**
 * POST /v1/logs on the embedded bus and embedded registry, through fastify's inject: what is
 * accepted lands in the topic (decoded and compared), what is refused says why.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { EmbeddedRegistry, logsTopic, RegistrySerde, requestEventSchema, type RequestEvent } from '@weir/contracts';
import type { IngestReport } from '../src/routes/logs.js';
import { auth, busWithSend, combinedLine, gzip, KEYS, readTopic, testApp, type TestApp } from './helpers.js';

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

const COMBINED = [
  '203.0.113.7 - frank [10/Oct/2024:13:55:36 +0000] "GET /products?page=2 HTTP/1.1" 200 2326 "https://example.com/" "Mozilla/5.0 (X11; Linux x86_64)"',
  '198.51.100.2 - - [10/Oct/2024:13:55:37 +0000] "POST /login HTTP/1.1" 401 12 "-" "curl/8.5.0"',
  '203.0.113.7 - - [10/Oct/2024:13:55:38 +0000] "GET /favicon.ico HTTP/1.1" 304 0 "-" "Mozilla/5.0 (X11; Linux x86_64)"',
];

describe('accepted bodies land in weir.logs.<customer>', () => {
  test('combined lines (the default format), read back from the topic field by field', async () => {
    const t = app();
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/logs',
      headers: { ...auth(KEYS.acme), 'content-type': 'text/plain' },
      payload: COMBINED.join('\n') + '\n',
    });
    assert.equal(res.statusCode, 200, res.body);
    const report = res.json() as IngestReport;
    assert.deepEqual(
      { ...report },
      { customer: 'acme', topic: 'weir.logs.acme', format: 'combined', lines: 3, accepted: 3, blank: 0, rejectedCount: 0, rejected: [], rejectedOmitted: 0 },
    );
    const records = await readTopic(t.bus, t.serde, logsTopic('acme'));
    assert.equal(records.length, 3);
    const byTime = records.map((r) => r.event).sort((a, b) => a.eventTime - b.eventTime);
    assert.deepEqual(
      byTime.map((e) => [e.customer, e.clientIp, e.method, e.path, e.query, e.status, e.bytes, e.userAgent, e.referrer]),
      [
        ['acme', '203.0.113.7', 'GET', '/products', 'page=2', 200, 2326, 'Mozilla/5.0 (X11; Linux x86_64)', 'https://example.com/'],
        ['acme', '198.51.100.2', 'POST', '/login', null, 401, 12, 'curl/8.5.0', null],
        ['acme', '203.0.113.7', 'GET', '/favicon.ico', null, 304, 0, 'Mozilla/5.0 (X11; Linux x86_64)', null],
      ],
    );
    assert.equal(byTime[0]!.eventTime, Date.UTC(2024, 9, 10, 13, 55, 36));
    assert.equal(byTime[0]!.extra.remote_user, 'frank');
    const partitions = (await t.bus.admin.fetchTopicOffsets(logsTopic('acme'))).length;
    assert.equal(partitions, 6, 'created with the default partition count');
  });

  test('an nginx log_format named by X-Log-Format, and the same by ?format=', async () => {
    const t = app({ partitions: 3 });
    const format = '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" rt=$request_time host=$host';
    const line = '192.0.2.1 - - [10/Oct/2024:13:55:36 +0000] "GET /a HTTP/2.0" 200 10 "-" "Bot/1.0" rt=0.125 host=shop.example';
    const viaHeader = await t.app.inject({
      method: 'POST',
      url: '/v1/logs',
      headers: { ...auth(KEYS.acme), 'content-type': 'text/plain; charset=utf-8', 'x-log-format': format },
      payload: line,
    });
    assert.equal(viaHeader.statusCode, 200, viaHeader.body);
    assert.equal(viaHeader.json().accepted, 1);
    const viaQuery = await t.app.inject({
      method: 'POST',
      url: `/v1/logs?format=${encodeURIComponent(format)}`,
      headers: { ...auth(KEYS.acme), 'content-type': 'text/plain' },
      payload: line,
    });
    assert.equal(viaQuery.statusCode, 200, viaQuery.body);
    const records = await readTopic(t.bus, t.serde, logsTopic('acme'));
    assert.equal(records.length, 2);
    for (const { event } of records) {
      assert.equal(event.requestTimeMs, 125);
      assert.equal(event.host, 'shop.example');
      assert.equal(event.protocol, 'HTTP/2.0');
    }
    assert.equal((await t.bus.admin.fetchTopicOffsets(logsTopic('acme'))).length, 3, 'WEIR_LOGS_PARTITIONS honoured');
  });

  test('an Apache LogFormat string and the common format', async () => {
    const t = app();
    const apache = await t.app.inject({
      method: 'POST',
      url: '/v1/logs',
      headers: { ...auth(KEYS.acme), 'content-type': 'text/plain', 'x-log-format': '%h %l %u %t "%r" %>s %b "%{Referer}i" "%{User-Agent}i"' },
      payload: COMBINED[1]!,
    });
    assert.equal(apache.statusCode, 200, apache.body);
    const common = await t.app.inject({
      method: 'POST',
      url: '/v1/logs?format=common',
      headers: { ...auth(KEYS.acme), 'content-type': 'text/plain' },
      payload: '10.0.0.1 - - [10/Oct/2024:13:55:36 +0000] "GET / HTTP/1.1" 200 5',
    });
    assert.equal(common.statusCode, 200, common.body);
    assert.equal((await readTopic(t.bus, t.serde, logsTopic('acme'))).length, 2);
  });

  test('NDJSON: one JSON log record per line', async () => {
    const t = app();
    const records = [
      { time: '2024-10-10T13:55:36.250Z', remote_addr: '203.0.113.9', request_method: 'GET', request_uri: '/api/stock?id=7', status: 200, body_bytes_sent: 99, http_user_agent: 'python-requests/2.31', request_time: 0.004 },
      { timestamp: 1728568537000, client_ip: '203.0.113.10', method: 'PUT', path: '/cart', status: '409', bytes: 0 },
    ];
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/logs',
      headers: { ...auth(KEYS.acme), 'content-type': 'application/x-ndjson' },
      payload: records.map((r) => JSON.stringify(r)).join('\n'),
    });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().format, 'json');
    assert.equal(res.json().accepted, 2);
    const events = (await readTopic(t.bus, t.serde, logsTopic('acme'))).map((r) => r.event).sort((a, b) => a.eventTime - b.eventTime);
    assert.deepEqual(
      events.map((e) => [e.eventTime, e.clientIp, e.method, e.path, e.query, e.status, e.userAgent, e.requestTimeMs]),
      [
        [Date.UTC(2024, 9, 10, 13, 55, 36, 250), '203.0.113.9', 'GET', '/api/stock', 'id=7', 200, 'python-requests/2.31', 4],
        [1728568537000, '203.0.113.10', 'PUT', '/cart', null, 409, null, null],
      ],
    );
  });

  test('a gzip-compressed body', async () => {
    const t = app();
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/logs',
      headers: { ...auth(KEYS.acme), 'content-type': 'text/plain', 'content-encoding': 'gzip' },
      payload: gzip(COMBINED.join('\r\n') + '\r\n'),
    });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().accepted, 3);
    assert.equal((await readTopic(t.bus, t.serde, logsTopic('acme'))).length, 3);
    const metrics = await t.app.inject({ method: 'GET', url: '/metrics' });
    assert.match(metrics.body, /weir_ingest_body_bytes_total\{customer="acme",encoding="gzip"\} \d+/);
  });

  test('a UTF-8 byte order mark and a latin-1 body', async () => {
    const t = app();
    const bom = await t.app.inject({
      method: 'POST',
      url: '/v1/logs',
      headers: { ...auth(KEYS.acme), 'content-type': 'text/plain' },
      payload: '\ufeff' + COMBINED[0],
    });
    assert.equal(bom.json().accepted, 1, bom.body);
    const latin1 = await t.app.inject({
      method: 'POST',
      url: '/v1/logs',
      headers: { ...auth(KEYS.acme), 'content-type': 'text/plain; charset=ISO-8859-1' },
      payload: Buffer.from(combinedLine('192.0.2.5', 'Navigateur Français'), 'latin1'),
    });
    assert.equal(latin1.json().accepted, 1, latin1.body);
    const uas = (await readTopic(t.bus, t.serde, logsTopic('acme'))).map((r) => r.event.userAgent);
    assert.ok(uas.includes('Navigateur Français'));
  });
});

describe('bad lines are rejected one by one, good ones still land', () => {
  test('rejections carry the line number (blank lines counted), a code and a reason', async () => {
    const t = app();
    const body = [
      COMBINED[0],
      'this is not a log line',
      '',
      COMBINED[1],
      '203.0.113.7 - - [99/Foo/2024:13:55:36 +0000] "GET / HTTP/1.1" 200 1 "-" "x"',
      '203.0.113.7 - - [10/Oct/2024:13:55:36 +0000] "GET / HTTP/1.1" abc 1 "-" "x"',
      COMBINED[2],
    ].join('\n');
    const res = await t.app.inject({ method: 'POST', url: '/v1/logs', headers: { ...auth(KEYS.acme), 'content-type': 'text/plain' }, payload: body });
    assert.equal(res.statusCode, 200, res.body);
    const report = res.json() as IngestReport;
    assert.equal(report.lines, 7);
    assert.equal(report.accepted, 3);
    assert.equal(report.blank, 1);
    assert.equal(report.rejectedCount, 3);
    assert.deepEqual(
      report.rejected.map((r) => [r.line, r.code]),
      [
        [2, 'layout'],
        [5, 'bad_time'],
        [6, 'bad_status'],
      ],
    );
    for (const r of report.rejected) assert.ok(r.reason.length > 10, `a reason for line ${r.line}: ${r.reason}`);
    const paths = (await readTopic(t.bus, t.serde, logsTopic('acme'))).map((r) => r.event.path).sort();
    assert.deepEqual(paths, ['/favicon.ico', '/login', '/products']);
    const metrics = (await t.app.inject({ method: 'GET', url: '/metrics' })).body;
    assert.match(metrics, /weir_ingest_lines_rejected_total\{customer="acme",code="layout"\} 1/);
    assert.match(metrics, /weir_ingest_lines_rejected_total\{customer="acme",code="bad_time"\} 1/);
    assert.match(metrics, /weir_ingest_lines_accepted_total\{customer="acme"\} 3/);
  });

  test('a line the schema refuses is rejected invalid_record in its place among the others, its neighbours still land', async () => {
    // A stricter RequestEvent (methods GET and HEAD only) makes a parsed POST a record the schema refuses.
    const strict = {
      ...requestEventSchema,
      fields: requestEventSchema.fields.map((f) => (f.name === 'method' ? { name: 'method', type: { type: 'enum', name: 'Method', symbols: ['GET', 'HEAD'] } } : f)),
    };
    const serde = new RegistrySerde<RequestEvent>(new EmbeddedRegistry(), { schemaOf: () => strict });
    const t = app({ serde });
    const body = [COMBINED[0], COMBINED[1], 'junk', COMBINED[2], COMBINED[1]].join('\n');
    const res = await t.app.inject({ method: 'POST', url: '/v1/logs', headers: { ...auth(KEYS.acme), 'content-type': 'text/plain' }, payload: body });
    assert.equal(res.statusCode, 200, res.body);
    const report = res.json() as IngestReport;
    assert.equal(report.accepted, 2);
    assert.deepEqual(
      report.rejected.map((r) => [r.line, r.code]),
      [
        [2, 'invalid_record'],
        [3, 'layout'],
        [5, 'invalid_record'],
      ],
    );
    assert.match(report.rejected[0]!.reason, /method/);
    const paths = (await readTopic(t.bus, t.serde, logsTopic('acme'))).map((r) => r.event.path).sort();
    assert.deepEqual(paths, ['/favicon.ico', '/products']);
  });

  test('the listed rejections are capped, the rest counted', async () => {
    const t = app({ limits: { maxListedRejections: 2 } });
    const body = [COMBINED[0], ...Array.from({ length: 5 }, (_, i) => `junk ${i}`)].join('\n');
    const res = await t.app.inject({ method: 'POST', url: '/v1/logs', headers: { ...auth(KEYS.acme), 'content-type': 'text/plain' }, payload: body });
    assert.equal(res.statusCode, 200);
    const report = res.json() as IngestReport;
    assert.equal(report.rejectedCount, 5);
    assert.deepEqual(report.rejected.map((r) => r.line), [2, 3]);
    assert.equal(report.rejectedOmitted, 3);
  });

  test('every line rejected: 422 with the same report, nothing written', async () => {
    const t = app();
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/logs',
      headers: { ...auth(KEYS.acme), 'content-type': 'application/x-ndjson' },
      payload: 'not json\n{"remote_addr":"1.2.3.4"}\n[1,2]\n',
    });
    assert.equal(res.statusCode, 422, res.body);
    const body = res.json() as IngestReport & { error: { code: string } };
    assert.equal(body.error.code, 'WEIR_INGEST_NOTHING_ACCEPTED');
    assert.equal(body.accepted, 0);
    assert.deepEqual(body.rejected.map((r) => [r.line, r.code]), [
      [1, 'bad_json'],
      [2, 'missing_field'],
      [3, 'bad_json'],
    ]);
    assert.equal((await readTopic(t.bus, t.serde, logsTopic('acme'))).length, 0);
  });

  test('an empty or all-blank body is fine: nothing to do', async () => {
    const t = app();
    const res = await t.app.inject({ method: 'POST', url: '/v1/logs', headers: { ...auth(KEYS.acme), 'content-type': 'text/plain' }, payload: '\n\n' });
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual([res.json().lines, res.json().accepted, res.json().blank], [2, 0, 2]);
    const empty = await t.app.inject({ method: 'POST', url: '/v1/logs', headers: { ...auth(KEYS.acme), 'content-type': 'text/plain' }, payload: '' });
    assert.equal(empty.statusCode, 200, empty.body);
    assert.equal(empty.json().lines, 0);
  });
});

describe('sessions stay on one partition', () => {
  test('every line of one (ip, user agent) has the same key and partition', async () => {
    const t = app({ partitions: 6 });
    const visitors = Array.from({ length: 40 }, (_, i) => ({ ip: `198.51.100.${i}`, ua: i % 2 ? 'Mozilla/5.0' : `agent-${i}` }));
    const lines: string[] = [];
    for (let round = 0; round < 5; round++) for (const v of visitors) lines.push(combinedLine(v.ip, v.ua, `/p${round}`));
    const res = await t.app.inject({ method: 'POST', url: '/v1/logs', headers: { ...auth(KEYS.acme), 'content-type': 'text/plain' }, payload: lines.join('\n') });
    assert.equal(res.json().accepted, 200, res.body);
    const records = await readTopic(t.bus, t.serde, logsTopic('acme'));
    const partitionOf = new Map<string, Set<number>>();
    for (const r of records) {
      const session = `${r.event.clientIp}|${r.event.userAgent ?? ''}`;
      assert.equal(r.key, session, 'key = ip|user agent');
      const set = partitionOf.get(session) ?? new Set();
      set.add(r.partition);
      partitionOf.set(session, set);
    }
    assert.equal(partitionOf.size, 40);
    for (const [session, set] of partitionOf) assert.equal(set.size, 1, `${session} on one partition`);
    assert.ok(new Set(records.map((r) => r.partition)).size > 1, 'sessions spread over partitions');
    // Within a partition a session's lines keep their order.
    for (const v of visitors) {
      const paths = records.filter((r) => r.event.clientIp === v.ip).map((r) => r.event.path);
      assert.deepEqual(paths, ['/p0', '/p1', '/p2', '/p3', '/p4']);
    }
  });

  test('WEIR_SESSION_KEY=field:NAME keys by that field, falling back to ip|ua without it', async () => {
    const t = app({ sessionKey: 'field:sid' });
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/logs',
      headers: { ...auth(KEYS.acme), 'content-type': 'application/x-ndjson' },
      payload: [
        JSON.stringify({ time: 1728568536, remote_addr: '192.0.2.1', request: 'GET / HTTP/1.1', status: 200, sid: 'abc' }),
        JSON.stringify({ time: 1728568537, remote_addr: '192.0.2.2', request: 'GET / HTTP/1.1', status: 200, http_user_agent: 'UA' }),
      ].join('\n'),
    });
    assert.equal(res.statusCode, 200, res.body);
    const keys = (await readTopic(t.bus, t.serde, logsTopic('acme'))).map((r) => r.key).sort();
    assert.deepEqual(keys, ['192.0.2.2|UA', 'abc']);
  });

  test('keyed by ip_ua, a line without an address is rejected no_address with a key that would work; keyed by a cookie it lands', async () => {
    const redacted = ['-', '0.0.0.0', 'xxx.xxx.xxx.xxx'].map((ip, i) => combinedLine(ip, 'Mozilla/5.0', `/r${i}`));
    const body = [combinedLine('203.0.113.9', 'Mozilla/5.0', '/kept'), ...redacted].join('\n');
    const byAddress = app();
    const res = await byAddress.app.inject({ method: 'POST', url: '/v1/logs', headers: { ...auth(KEYS.acme), 'content-type': 'text/plain' }, payload: body });
    assert.equal(res.statusCode, 200, res.body);
    const report = res.json<IngestReport>();
    assert.equal(report.accepted, 1);
    assert.deepEqual(report.rejected.map((r) => [r.line, r.code]), [[2, 'no_address'], [3, 'no_address'], [4, 'no_address']]);
    for (const r of report.rejected) assert.match(r.reason, /no client address .*keyed by ip_ua.*WEIR_SESSION_KEY=field:cookie_session/);
    const written = await readTopic(byAddress.bus, byAddress.serde, logsTopic('acme'));
    assert.deepEqual(written.map((r) => r.event.path), ['/kept'], 'no redacted line reached the topic');

    // Keyed by a cookie the same lines need no address: they land, the cookie-less ones as -|user agent.
    const byCookie = app({ sessionKey: 'field:sid' });
    const kept = await byCookie.app.inject({ method: 'POST', url: '/v1/logs', headers: { ...auth(KEYS.acme), 'content-type': 'text/plain' }, payload: body });
    assert.equal(kept.json<IngestReport>().accepted, 4, kept.body);
    const keys = (await readTopic(byCookie.bus, byCookie.serde, logsTopic('acme'))).map((r) => r.key).sort();
    assert.deepEqual(keys, ['-|Mozilla/5.0', '-|Mozilla/5.0', '-|Mozilla/5.0', '203.0.113.9|Mozilla/5.0']);
  });

  test('every line without an address: 422, nothing written', async () => {
    const t = app();
    const res = await t.app.inject({ method: 'POST', url: '/v1/logs', headers: { ...auth(KEYS.acme), 'content-type': 'text/plain' }, payload: combinedLine('-', 'curl/8') });
    assert.equal(res.statusCode, 422, res.body);
    assert.equal(res.json<IngestReport>().rejected[0]?.code, 'no_address');
  });
});

describe('refusals', () => {
  const post = (t: TestApp, headers: Record<string, string>, payload: string | Buffer = COMBINED[0]!, url = '/v1/logs') =>
    t.app.inject({ method: 'POST', url, headers, payload });

  test('401 without a key or with an unknown one; X-API-Key works as well as Bearer', async () => {
    const t = app();
    const none = await post(t, { 'content-type': 'text/plain' });
    assert.equal(none.statusCode, 401);
    assert.equal(none.json().error.code, 'WEIR_INGEST_UNAUTHORIZED');
    assert.match(none.headers['www-authenticate'] as string, /^Bearer/);
    assert.equal((await post(t, { ...auth('wrong-key-0123456789abcdef'), 'content-type': 'text/plain' })).statusCode, 401);
    assert.equal((await post(t, { authorization: `Basic ${KEYS.acme}`, 'content-type': 'text/plain' })).statusCode, 401);
    assert.equal((await post(t, { 'x-api-key': KEYS.acme, 'content-type': 'text/plain' })).statusCode, 200);
  });

  test('403 when the key is another customer\'s; ?customer= of its own is fine', async () => {
    const t = app();
    const res = await post(t, { ...auth(KEYS.acme), 'content-type': 'text/plain' }, COMBINED[0], '/v1/logs?customer=globex');
    assert.equal(res.statusCode, 403);
    assert.equal(res.json().error.code, 'WEIR_INGEST_FORBIDDEN');
    assert.equal((await post(t, { ...auth(KEYS.acme), 'content-type': 'text/plain' }, COMBINED[0], '/v1/logs?customer=acme')).statusCode, 200);
  });

  test('keys isolate customers: each key writes its own topic only', async () => {
    const t = app();
    await post(t, { ...auth(KEYS.acme), 'content-type': 'text/plain' }, COMBINED[0]);
    await post(t, { ...auth(KEYS.globex), 'content-type': 'text/plain' }, COMBINED[1]);
    await post(t, { ...auth(KEYS.globexNew), 'content-type': 'text/plain' }, COMBINED[2]);
    const acme = await readTopic(t.bus, t.serde, logsTopic('acme'));
    const globex = await readTopic(t.bus, t.serde, logsTopic('globex'));
    assert.deepEqual(acme.map((r) => [r.event.customer, r.event.path]), [['acme', '/products']]);
    assert.deepEqual(globex.map((r) => [r.event.customer, r.event.path]).sort(), [['globex', '/favicon.ico'], ['globex', '/login']]);
  });

  test('415 for other content types, charsets and encodings', async () => {
    const t = app();
    const cases: Array<Record<string, string>> = [
      { 'content-type': 'application/json' },
      { 'content-type': 'text/csv' },
      { 'content-type': 'text/plain; charset=utf-16' },
      { 'content-type': 'text/plain', 'content-encoding': 'br' },
      { 'content-type': 'text/plain', 'content-encoding': 'gzip, gzip' },
    ];
    for (const headers of cases) {
      const res = await post(t, { ...auth(KEYS.acme), ...headers });
      assert.equal(res.statusCode, 415, JSON.stringify(headers));
      assert.match(res.json().error.code, /^WEIR_INGEST_UNSUPPORTED_(MEDIA_TYPE|ENCODING)$/);
    }
  });

  test('413 for a body over the limit, as sent or decompressed (a gzip bomb)', async () => {
    const t = app({ limits: { maxBodyBytes: 4096, maxInflightBytes: 1 << 20 } });
    const big = await post(t, { ...auth(KEYS.acme), 'content-type': 'text/plain' }, 'x'.repeat(5000));
    assert.equal(big.statusCode, 413);
    assert.equal(big.json().error.code, 'WEIR_INGEST_BODY_TOO_LARGE');
    const bomb = gzip('\n'.repeat(1_000_000));
    assert.ok(bomb.length < 4096, 'small on the wire');
    const res = await post(t, { ...auth(KEYS.acme), 'content-type': 'text/plain', 'content-encoding': 'gzip' }, bomb);
    assert.equal(res.statusCode, 413, res.body);
    assert.match(res.json().error.message, /decompressed/);
    assert.equal(t.budget.inUse, 0, 'the in-flight budget is given back');
  });

  test('400 for a body that is not gzip, a format that does not compile, NDJSON with another format', async () => {
    const t = app();
    const notGzip = await post(t, { ...auth(KEYS.acme), 'content-type': 'text/plain', 'content-encoding': 'gzip' }, COMBINED[0]);
    assert.equal(notGzip.statusCode, 400);
    assert.equal(notGzip.json().error.code, 'WEIR_INGEST_BAD_GZIP');
    const truncated = await post(t, { ...auth(KEYS.acme), 'content-type': 'text/plain', 'content-encoding': 'gzip' }, gzip(COMBINED.join('\n')).subarray(0, 40));
    assert.equal(truncated.statusCode, 400);
    const badFormat = await post(t, { ...auth(KEYS.acme), 'content-type': 'text/plain', 'x-log-format': 'no fields here' });
    assert.equal(badFormat.statusCode, 400);
    assert.equal(badFormat.json().error.code, 'WEIR_INGEST_BAD_FORMAT');
    const ndjsonCombined = await post(t, { ...auth(KEYS.acme), 'content-type': 'application/x-ndjson' }, '{}', '/v1/logs?format=combined');
    assert.equal(ndjsonCombined.statusCode, 400);
    assert.equal(ndjsonCombined.json().error.code, 'WEIR_INGEST_BAD_FORMAT');
  });
});

describe('when Kafka is slow or down', () => {
  test('503 with Retry-After when the producer fails, and nothing is counted as accepted', async () => {
    const bus = busWithSend(async () => {
      throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9092'), { code: 'WEIR_BUS_KAFKA' });
    });
    const t = app({ bus, limits: { retryAfterSeconds: 3 } });
    const res = await t.app.inject({ method: 'POST', url: '/v1/logs', headers: { ...auth(KEYS.acme), 'content-type': 'text/plain' }, payload: COMBINED.join('\n') });
    assert.equal(res.statusCode, 503, res.body);
    assert.equal(res.headers['retry-after'], '3');
    assert.equal(res.json().error.code, 'WEIR_INGEST_UNAVAILABLE');
    assert.match(res.json().error.message, /ECONNREFUSED/);
    const metrics = (await t.app.inject({ method: 'GET', url: '/metrics' })).body;
    assert.doesNotMatch(metrics, /weir_ingest_lines_accepted_total\{customer="acme"\} [1-9]/);
    assert.match(metrics, /weir_ingest_requests_total\{customer="acme",status="503",code="WEIR_INGEST_UNAVAILABLE"\} 1/);
    assert.match(metrics, /weir_ingest_produce_duration_seconds_count\{outcome="error"\} 1/);
    assert.equal(t.budget.inUse, 0);
  });

  test('503 when Kafka does not acknowledge within the produce timeout; the bytes stay held until it settles', async () => {
    let finish: () => void = () => undefined;
    const bus = busWithSend((messages, real) => new Promise((resolve) => (finish = () => resolve(real.send(messages)))));
    const t = app({ bus, limits: { produceTimeoutMs: 100 } });
    const res = await t.app.inject({ method: 'POST', url: '/v1/logs', headers: { ...auth(KEYS.acme), 'content-type': 'text/plain' }, payload: COMBINED[0] });
    assert.equal(res.statusCode, 503, res.body);
    assert.match(res.json().error.message, /within 100 ms/);
    assert.ok(t.budget.inUse > 0, 'still held: the producer has the records');
    finish();
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(t.budget.inUse, 0);
  });

  test('429 with Retry-After while the in-flight bytes are at the bound; accepted again once they drain', async () => {
    const waiting: Array<() => void> = [];
    const bus = busWithSend((messages, real) => new Promise((resolve) => waiting.push(() => resolve(real.send(messages)))));
    const body = COMBINED.join('\n');
    const bodyBytes = Buffer.byteLength(body);
    // Room for one body in flight, not two.
    const t = app({ bus, limits: { maxBodyBytes: bodyBytes + 10, maxInflightBytes: 2 * bodyBytes - 1, retryAfterSeconds: 5 } });
    const send = () => t.app.inject({ method: 'POST', url: '/v1/logs', headers: { ...auth(KEYS.acme), 'content-type': 'text/plain' }, payload: body });

    const first = send();
    while (waiting.length === 0) await new Promise((r) => setTimeout(r, 5));
    assert.equal(t.budget.inUse, bodyBytes);
    const second = await send();
    assert.equal(second.statusCode, 429, second.body);
    assert.equal(second.headers['retry-after'], '5');
    assert.equal(second.json().error.code, 'WEIR_INGEST_OVERLOADED');
    const gauge = (await t.app.inject({ method: 'GET', url: '/metrics' })).body;
    assert.match(gauge, new RegExp(`weir_ingest_inflight_bytes ${bodyBytes}`));

    waiting.shift()!();
    assert.equal((await first).statusCode, 200);
    const third = send();
    while (waiting.length === 0) await new Promise((r) => setTimeout(r, 5));
    waiting.shift()!();
    assert.equal((await third).statusCode, 200);
    assert.equal((await readTopic(t.bus, t.serde, logsTopic('acme'))).length, 6);
  });

  test('/readyz answers 503 when the broker does not answer', async () => {
    const bus = busWithSend(async () => [], { listTopics: () => Promise.reject(new Error('broker down')) });
    const t = app({ bus });
    const ready = await t.app.inject({ method: 'GET', url: '/readyz' });
    assert.equal(ready.statusCode, 503);
    assert.match(ready.json().checks.kafka.error, /broker down/);
    assert.equal((await t.app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200);
  });
});

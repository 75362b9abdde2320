import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RequestEvent } from '@weir/contracts';
import { parserFor } from '../src/index.js';
import { event, rejected } from './results.js';

test('nginx escape=json lines with the default names', () => {
  const parser = parserFor('json', { customer: 'shop', sessionIdField: 'cookie_sid' });
  const line = JSON.stringify({
    time_iso8601: '2024-10-11T16:23:07+02:00',
    remote_addr: '2001:db8::1',
    request: 'GET /a?b=1 HTTP/2.0',
    status: '200',
    body_bytes_sent: '512',
    request_time: '0.012',
    http_referer: '',
    http_user_agent: 'Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)',
    http_host: 'shop.example',
    upstream_response_time: '0.010',
    cookie_sid: 'abc',
  });
  assert.deepEqual(event(parser.parseLine(line, 1)), {
    customer: 'shop',
    eventTime: 1728656587000,
    clientIp: '2001:db8::1',
    userAgent: 'Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)',
    method: 'GET',
    path: '/a',
    query: 'b=1',
    protocol: 'HTTP/2.0',
    status: 200,
    bytes: 512,
    referrer: null,
    host: 'shop.example',
    sessionId: 'abc',
    requestTimeMs: 12,
    extra: { upstream_response_time: '0.010', cookie_sid: 'abc' },
    unlogged: [],
  } satisfies RequestEvent);
});

test('a custom mapping into nested objects, with numbers for time, status and duration', () => {
  const parser = parserFor('json', {
    customer: 'api',
    sessionIdField: 'sid',
    json: {
      time: 'ts',
      clientIp: 'client.ip',
      method: 'http.method',
      path: 'http.path',
      query: 'http.qs',
      status: 'http.status',
      userAgent: 'http.ua',
      bytes: 'resp_bytes',
      requestTime: 'dur_ms',
      requestTimeUnit: 'ms',
    },
  });
  const line =
    '{"ts":1697040000.123,"client":{"ip":"203.0.113.9","asn":64500},"http":{"method":"POST","path":"/login","qs":"?next=%2F",' +
    '"status":403,"ua":"python-requests/2.31.0"},"resp_bytes":0,"dur_ms":12.5,"sid":"s-1","tags":["waf","rate"],"edge":null}';
  assert.deepEqual(event(parser.parseLine(line, 3)), {
    customer: 'api',
    eventTime: 1697040000123,
    clientIp: '203.0.113.9',
    userAgent: 'python-requests/2.31.0',
    method: 'POST',
    path: '/login',
    query: 'next=%2F',
    protocol: null,
    status: 403,
    bytes: 0,
    referrer: null,
    host: null,
    sessionId: 's-1',
    requestTimeMs: 12.5,
    extra: { 'client.asn': '64500', sid: 's-1', tags: '["waf","rate"]' },
    unlogged: ['referrer'],
  } satisfies RequestEvent);
});

test('epoch times in s, ms, µs and ns, ISO and CLF strings', () => {
  const parser = parserFor('json', { customer: 'c' });
  const at = (time: unknown): number => event(parser.parseLine(JSON.stringify({ time, ip: '192.0.2.1', status: 200, path: '/' }), 1)).eventTime;
  assert.equal(at(1697040000), 1697040000000);
  assert.equal(at('1697040000.123'), 1697040000123);
  assert.equal(at(1697040000123), 1697040000123);
  assert.equal(at(1697040000123456), 1697040000123);
  assert.equal(at('1697040000123456789'), 1697040000123);
  assert.equal(at('2023-10-11T16:00:00.123Z'), 1697040000123);
  assert.equal(at('10/Oct/2000:13:55:36 -0700'), 971211336000);
  assert.equal(at('[10/Oct/2000:13:55:36 -0700]'), 971211336000);
});

test('url as the target, a Cookie header for the session, clientIpField from X-Forwarded-For', () => {
  const parser = parserFor('json', { customer: 'c', sessionIdField: 'cookie_sid', clientIpField: 'xff' });
  const e = event(
    parser.parseLine(
      '{"timestamp":"2024-10-11T14:23:07Z","ip":"10.0.0.5","xff":"198.51.100.7, 10.0.0.5","method":"GET","url":"/x?y=1","status_code":301,"cookie":"a=1; sid=Q9"}',
      1,
    ),
  );
  assert.deepEqual(
    [e.eventTime, e.clientIp, e.method, e.path, e.query, e.status, e.sessionId],
    [1728656587000, '198.51.100.7', 'GET', '/x', 'y=1', 301, 'Q9'],
  );
  assert.deepEqual(e.extra, { ip: '10.0.0.5', xff: '198.51.100.7, 10.0.0.5', cookie: 'a=1; sid=Q9' });
});

test("nginx JSON-looking lines without escape=json (\\x22 escapes) are repaired, not rejected", () => {
  const parser = parserFor('json', { customer: 'c' });
  const line = String.raw`{"time_local":"10/Oct/2000:13:55:36 -0700","remote_addr":"192.0.2.1","request":"GET / HTTP/1.1","status":"200","body_bytes_sent":"0","http_user_agent":"say \x22hi\x22 caf\xC3\xA9"}`;
  assert.equal(event(parser.parseLine(line, 1)).userAgent, 'say "hi" café');
});

test('a malformed request line in JSON is kept like in text formats', () => {
  const parser = parserFor('json', { customer: 'c' });
  const e = event(parser.parseLine('{"time":1697040000,"remote_addr":"192.0.2.1","request":"\\u0016\\u0003\\u0001","status":400}', 1));
  assert.deepEqual([e.method, e.path, e.status, e.extra.request], ['-', '-', 400, '\u0016\u0003\u0001']);
});

test('JSON rejections: line number and reason', () => {
  const parser = parserFor('json', { customer: 'c' });
  const broken = rejected(parser.parseLine('{"time":1697040000,"remote_addr":"192.0.2.1",', 11));
  assert.equal(broken.line, 11);
  assert.equal(broken.code, 'bad_json');
  assert.match(broken.reason, /^not valid JSON \(/);
  assert.equal(rejected(parser.parseLine('[1,2]', 12)).reason, 'not a JSON object');
  const noTime = rejected(parser.parseLine('{"remote_addr":"192.0.2.1","status":200,"uri":"/"}', 13));
  assert.equal(noTime.code, 'missing_field');
  assert.equal(noTime.reason, 'no time (tried time, timestamp, @timestamp, ts, time_iso8601, time_local, msec, date)');
  const badTime = rejected(parser.parseLine('{"time":"yesterday","remote_addr":"192.0.2.1","status":200,"uri":"/"}', 14));
  assert.equal(badTime.reason, 'time is not a time: "yesterday"');
  const status = rejected(parser.parseLine('{"time":1697040000,"remote_addr":"192.0.2.1","status":20,"uri":"/"}', 15));
  assert.deepEqual([status.code, status.reason], ['bad_status', 'status must be 3 digits: 20']);
  const noPath = rejected(parser.parseLine('{"time":1697040000,"remote_addr":"192.0.2.1","status":200}', 16));
  assert.equal(noPath.code, 'missing_field');
  assert.match(noPath.reason, /^no path \(tried request_uri, url, target, uri, path, request\)$/);
  assert.equal(parser.parseLine('  \r', 17), null);
});

test('a key the record does not have is unlogged; one with an empty or "-" value is logged', () => {
  const parser = parserFor('json', { customer: 'shop' });
  const base = { time: 1728568536, remote_addr: '192.0.2.1', request: 'GET / HTTP/1.1', status: 200 };
  assert.deepEqual(event(parser.parseLine(JSON.stringify(base), 1)).unlogged, ['referrer', 'bytes', 'userAgent']);
  const dashes = { ...base, http_referer: '-', body_bytes_sent: 0, http_user_agent: '' };
  assert.deepEqual(event(parser.parseLine(JSON.stringify(dashes), 2)).unlogged, []);
});

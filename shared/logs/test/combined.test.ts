import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RequestEvent } from '@weir/contracts';
import { parserFor } from '../src/index.js';
import { event, rejected } from './results.js';

const combined = parserFor('combined', { customer: 'acme' });

const GOOGLEBOT =
  '66.249.66.1 - - [04/Mar/2025:09:00:00 +0100] "GET /products/42?color=red&size=m HTTP/1.1" 200 5123 "-" ' +
  '"Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"';

test('a Googlebot line becomes the whole event', () => {
  assert.deepEqual(event(combined.parseLine(GOOGLEBOT, 1)), {
    customer: 'acme',
    eventTime: 1741075200000, // 09:00 at +01:00 is 08:00 UTC
    clientIp: '66.249.66.1',
    userAgent: 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
    method: 'GET',
    path: '/products/42',
    query: 'color=red&size=m',
    protocol: 'HTTP/1.1',
    status: 200,
    bytes: 5123,
    referrer: null,
    host: null,
    sessionId: null,
    requestTimeMs: null,
    extra: {},
    unlogged: [],
  } satisfies RequestEvent);
});

test('curl from an IPv6 address with a user, no body and a referrer', () => {
  const e = event(
    combined.parseLine(
      '2001:db8::1 - alice [10/Oct/2000:13:55:36 -0700] "HEAD /health HTTP/2.0" 304 - "https://example.com/a?b=1" "curl/8.4.0"',
      7,
    ),
  );
  assert.equal(e.clientIp, '2001:db8::1');
  assert.equal(e.eventTime, 971211336000);
  assert.equal(e.method, 'HEAD');
  assert.equal(e.path, '/health');
  assert.equal(e.query, null);
  assert.equal(e.protocol, 'HTTP/2.0');
  assert.equal(e.status, 304);
  assert.equal(e.bytes, 0);
  assert.equal(e.referrer, 'https://example.com/a?b=1');
  assert.equal(e.userAgent, 'curl/8.4.0');
  assert.deepEqual(e.extra, { remote_user: 'alice' });
});

test('IPv4-mapped IPv6 and full IPv6 addresses', () => {
  const line = (ip: string): string => `${ip} - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.1" 200 1 "-" "-"`;
  assert.equal(event(combined.parseLine(line('::ffff:192.0.2.128'), 1)).clientIp, '::ffff:192.0.2.128');
  assert.equal(
    event(combined.parseLine(line('2001:0db8:85a3:0000:0000:8a2e:0370:7334'), 1)).clientIp,
    '2001:0db8:85a3:0000:0000:8a2e:0370:7334',
  );
});

test("Apache's escapes in the user agent and referrer are decoded: \\\" and \\\\", () => {
  const line = String.raw`203.0.113.7 - - [10/Oct/2000:13:55:36 -0700] "GET /q HTTP/1.1" 200 10 "http://evil.example/\"x\" y" "Mozilla/5.0 \"Fake\" C:\\bot\\ua.exe"`;
  const e = event(combined.parseLine(line, 3));
  assert.equal(e.referrer, 'http://evil.example/"x" y');
  assert.equal(e.userAgent, 'Mozilla/5.0 "Fake" C:\\bot\\ua.exe');
});

test("nginx's \\xHH escapes are decoded, UTF-8 sequences included", () => {
  const line = String.raw`203.0.113.7 - - [10/Oct/2000:13:55:36 -0700] "GET /caf\xC3\xA9 HTTP/1.1" 200 10 "-" "Bob\xE2\x80\x99s \x22agent\x22"`;
  const e = event(combined.parseLine(line, 3));
  assert.equal(e.userAgent, 'Bob’s "agent"');
  assert.equal(e.path, '/café');
});

test('an unescaped quote inside the user agent does not end it', () => {
  const line = '198.51.100.2 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.1" 200 10 "-" "Mozilla/5.0 "weird" agent"';
  assert.equal(event(combined.parseLine(line, 1)).userAgent, 'Mozilla/5.0 "weird" agent');
});

test('a request line without protocol keeps method and path, protocol null', () => {
  const e = event(combined.parseLine('192.0.2.1 - - [10/Oct/2000:13:55:36 -0700] "GET /x?y=1" 200 0 "-" "-"', 1));
  assert.deepEqual([e.method, e.path, e.query, e.protocol], ['GET', '/x', 'y=1', null]);
});

test('malformed request lines are kept: method and path "-", the raw text in extra.request', () => {
  const dash = event(combined.parseLine('192.0.2.1 - - [10/Oct/2000:13:55:36 -0700] "-" 400 0 "-" "-"', 1));
  assert.deepEqual([dash.method, dash.path, dash.query, dash.protocol, dash.status], ['-', '-', null, null, 400]);
  assert.deepEqual(dash.extra, {});

  const empty = event(combined.parseLine('192.0.2.1 - - [10/Oct/2000:13:55:36 -0700] "" 400 0 "-" "-"', 1));
  assert.deepEqual([empty.method, empty.path], ['-', '-']);

  // A TLS ClientHello sent to port 80, as nginx logs it.
  const tls = String.raw`45.148.10.1 - - [10/Oct/2000:13:55:36 -0700] "\x16\x03\x01\x00\xF4\x01\x00\x00\xF0\x03\x03" 400 157 "-" "-"`;
  const t = event(combined.parseLine(tls, 2));
  assert.deepEqual([t.method, t.path, t.status, t.bytes], ['-', '-', 400, 157]);
  assert.equal(t.extra.request, String.raw`\x16\x03\x01\x00\xF4\x01\x00\x00\xF0\x03\x03`);

  // A method with characters no HTTP method has.
  const odd = event(combined.parseLine('192.0.2.1 - - [10/Oct/2000:13:55:36 -0700] "G(T /x HTTP/1.1" 400 0 "-" "-"', 1));
  assert.deepEqual([odd.method, odd.path, odd.extra.request], ['-', '-', 'G(T /x HTTP/1.1']);
});

test('odd but well-formed targets: absolute form, raw spaces, bare ?, WebDAV method', () => {
  const line = (request: string): RequestEvent =>
    event(combined.parseLine(`192.0.2.1 - - [10/Oct/2000:13:55:36 -0700] "${request}" 200 0 "-" "-"`, 1));
  const proxy = line('GET http://example.com/ HTTP/1.1');
  assert.deepEqual([proxy.path, proxy.query], ['http://example.com/', null]);
  const spaced = line('GET /a b?c d HTTP/1.1');
  assert.deepEqual([spaced.path, spaced.query, spaced.protocol], ['/a b', 'c d', 'HTTP/1.1']);
  const bare = line('GET /search? HTTP/1.1');
  assert.deepEqual([bare.path, bare.query], ['/search', '']);
  const dav = line('PROPFIND /dav/ HTTP/1.1');
  assert.deepEqual([dav.method, dav.path], ['PROPFIND', '/dav/']);
  const connect = line('CONNECT example.com:443 HTTP/1.1');
  assert.deepEqual([connect.method, connect.path], ['CONNECT', 'example.com:443']);
});

test('a 20 KB URL parses whole', () => {
  const query = `q=${'A'.repeat(20 * 1024)}`;
  const e = event(
    combined.parseLine(`192.0.2.1 - - [10/Oct/2000:13:55:36 -0700] "GET /search?${query} HTTP/1.1" 414 0 "-" "sqlmap/1.7"`, 1),
  );
  assert.equal(e.path, '/search');
  assert.equal(e.query, query);
  assert.equal(e.query?.length, 20 * 1024 + 2);
  assert.equal(e.status, 414);
  assert.equal(e.userAgent, 'sqlmap/1.7');
});

test('a trailing \\r is ignored; blank lines are null', () => {
  const e = event(combined.parseLine(`${GOOGLEBOT}\r`, 1));
  assert.equal(e.userAgent, 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)');
  assert.equal(combined.parseLine('', 2), null);
  assert.equal(combined.parseLine('  \t ', 3), null);
  assert.equal(combined.parseLine('\r', 4), null);
});

test('rejections say which line, what and where', () => {
  const noBracket = rejected(combined.parseLine('192.0.2.1 - - 10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.1" 200 0 "-" "-"', 17));
  assert.equal(noBracket.line, 17);
  assert.equal(noBracket.code, 'layout');
  assert.equal(noBracket.reason, "expected ' [' before $time_local at column 14, found ' 10/Oct/2000:13:55:36 -0…'");
  assert.equal(noBracket.message, `line 17: ${noBracket.reason}`);

  const badMonth = rejected(combined.parseLine('192.0.2.1 - - [10/Okt/2000:13:55:36 -0700] "GET / HTTP/1.1" 200 0 "-" "-"', 3));
  assert.equal(badMonth.code, 'bad_time');
  assert.equal(badMonth.reason, "$time_local is not a valid time at column 16, found '10/Okt/2000:13:55:36 -07…'");

  const shortTime = rejected(combined.parseLine('192.0.2.1 - - [10/Oct/2000:13:55:36] "GET / HTTP/1.1" 200 0 "-" "-"', 4));
  assert.equal(shortTime.code, 'bad_time');
  assert.match(shortTime.reason, /^expected \$time_local as dd\/Mon\/yyyy:hh:mm:ss \+zzzz then '\] "' at column 16/);

  const status = rejected(combined.parseLine('192.0.2.1 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.1" 20 0 "-" "-"', 5));
  assert.equal(status.code, 'bad_status');
  assert.equal(status.reason, "$status must be 3 digits at column 61, found '20'");

  const status4 = rejected(combined.parseLine('192.0.2.1 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.1" 2000 0 "-" "-"', 5));
  assert.equal(status4.code, 'bad_status');
  assert.equal(rejected(combined.parseLine('192.0.2.1 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.1" - 0 "-" "-"', 5)).code, 'bad_status');

  const bytes = rejected(combined.parseLine('192.0.2.1 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.1" 200 12k "-" "-"', 6));
  assert.equal(bytes.code, 'bad_bytes');
  assert.equal(bytes.reason, "$body_bytes_sent must be a byte count or '-' at column 65, found '12k'");

  const truncated = rejected(combined.parseLine('192.0.2.1 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.1" 200 0 "-" "Mozill', 8));
  assert.equal(truncated.code, 'layout');
  assert.equal(truncated.reason, `expected the line to end with '"' after $http_user_agent (from column 72)`);

  const garbage = rejected(combined.parseLine('hello', 9));
  assert.equal(garbage.code, 'layout');
  assert.equal(garbage.reason, "expected ' ' after $remote_addr (which starts at column 1), found none");
});

test('common log format: no referrer and no user agent; an identd name is kept', () => {
  const common = parserFor('common', { customer: 'acme' });
  const e = event(common.parseLine('127.0.0.1 user-identifier frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326', 1));
  assert.deepEqual(e, {
    customer: 'acme',
    eventTime: 971211336000,
    clientIp: '127.0.0.1',
    userAgent: null,
    method: 'GET',
    path: '/apache_pb.gif',
    query: null,
    protocol: 'HTTP/1.0',
    status: 200,
    bytes: 2326,
    referrer: null,
    host: null,
    sessionId: null,
    requestTimeMs: null,
    extra: { remote_logname: 'user-identifier', remote_user: 'frank' },
    unlogged: ['referrer', 'userAgent'],
  } satisfies RequestEvent);
  // A combined line is not a common one: the text after the byte count is refused, not dropped.
  const longer = rejected(common.parseLine(GOOGLEBOT, 2));
  assert.equal(longer.code, 'bad_bytes');
});

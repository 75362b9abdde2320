import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RequestEvent } from '@weir/contracts';
import { compileFormat, parserFor } from '../src/index.js';
import { event, rejected } from './results.js';

test("Apache's combined LogFormat, written with %-directives, reads like the named format", () => {
  const parser = parserFor('%h %l %u %t "%r" %>s %b "%{Referer}i" "%{User-agent}i"', { customer: 'blog' });
  const e = event(
    parser.parseLine(
      String.raw`2001:db8::1 - - [10/Oct/2000:13:55:36 -0700] "GET /wp-login.php HTTP/1.1" 404 - "-" "Mozilla/5.0 \"compatible\""`,
      1,
    ),
  );
  assert.deepEqual(e, {
    customer: 'blog',
    eventTime: 971211336000,
    clientIp: '2001:db8::1',
    userAgent: 'Mozilla/5.0 "compatible"',
    method: 'GET',
    path: '/wp-login.php',
    query: null,
    protocol: 'HTTP/1.1',
    status: 404,
    bytes: 0,
    referrer: null,
    host: null,
    sessionId: null,
    requestTimeMs: null,
    extra: {},
    unlogged: [],
  } satisfies RequestEvent);
});

test('%D, %v, %{sid}C, %{X-Forwarded-For}i, %u and %l', () => {
  const parser = parserFor(
    '%v %h %l %u %t "%r" %>s %b "%{Referer}i" "%{User-Agent}i" %D "%{X-Forwarded-For}i" %{sid}C',
    { customer: 'blog', sessionIdField: 'cookie_sid' },
  );
  const e = event(
    parser.parseLine(
      'blog.example 198.51.100.23 - bob [04/Mar/2025:09:00:00 +0100] "GET /feed?page=2 HTTP/1.1" 200 18230 ' +
        '"https://blog.example/" "Feedly/1.0 (+http://www.feedly.com/fetcher.html)" 1534 "203.0.113.50" f00d',
      5,
    ),
  );
  assert.equal(e.host, 'blog.example');
  assert.equal(e.clientIp, '198.51.100.23');
  assert.equal(e.eventTime, 1741075200000);
  assert.equal(e.requestTimeMs, 1.534);
  assert.equal(e.sessionId, 'f00d');
  assert.equal(e.userAgent, 'Feedly/1.0 (+http://www.feedly.com/fetcher.html)');
  assert.deepEqual(e.extra, { remote_user: 'bob', http_x_forwarded_for: '203.0.113.50', cookie_sid: 'f00d' });
});

test('%T, %{ms}T, %{us}T, %{msec}t, %m %U%q %H, %O, and %% as a literal', () => {
  const t = parserFor('%{msec}t %a %m %U%q %H %>s %O %T 100%%', { customer: 'c' });
  const e = event(t.parseLine('1697040000123 192.0.2.9 GET /a?b=1 HTTP/1.1 200 512 2 100%', 1));
  assert.equal(e.eventTime, 1697040000123);
  assert.deepEqual([e.method, e.path, e.query, e.protocol, e.bytes, e.requestTimeMs], ['GET', '/a', 'b=1', 'HTTP/1.1', 512, 2000]);

  const noQuery = event(t.parseLine('1697040000123 192.0.2.9 GET /a HTTP/1.1 200 512 0 100%', 2));
  assert.deepEqual([noQuery.path, noQuery.query], ['/a', null]);

  const ms = parserFor('%{sec}t %h "%r" %s %{ms}T', { customer: 'c' });
  const m = event(ms.parseLine('1697040000 192.0.2.9 "GET / HTTP/1.1" 200 37', 1));
  assert.deepEqual([m.eventTime, m.requestTimeMs], [1697040000000, 37]);

  const us = parserFor('%{begin:usec}t %h "%r" %s %{us}T', { customer: 'c' });
  const u = event(us.parseLine('1697040000123456 192.0.2.9 "GET / HTTP/1.1" 200 1500', 1));
  assert.deepEqual([u.eventTime, u.requestTimeMs], [1697040000123, 1.5]);
});

test('vhost_combined, a pasted httpd.conf string with \\", and status conditions', () => {
  const vhost = parserFor('vhost_combined', { customer: 'c' });
  const v = event(
    vhost.parseLine('www.example.com:443 192.0.2.1 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.1" 200 1043 "-" "curl/7.88.1"', 1),
  );
  assert.deepEqual([v.host, v.bytes, v.extra], ['www.example.com', 1043, { server_port: '443' }]);

  const pasted = parserFor(String.raw`%h %l %u %t \"%r\" %>s %b \"%{Referer}i\" \"%400,501{User-agent}i\" %!200{Referer}i`, {
    customer: 'c',
  });
  const p = event(pasted.parseLine('192.0.2.1 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.1" 200 5 "-" "-" -', 1));
  assert.deepEqual([p.userAgent, p.status], [null, 200]);
});

test('Apache rejections name the directive', () => {
  const parser = parserFor('%h %t "%r" %>s %b %D', { customer: 'c' });
  const bad = rejected(parser.parseLine('192.0.2.1 [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.1" 200 5 1.5ms', 9));
  assert.equal(bad.code, 'bad_number');
  assert.equal(bad.reason, "%D must be a number at column 63, found '1.5ms'");
  const status = rejected(parser.parseLine('192.0.2.1 [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.1" 2x0 5 15', 10));
  assert.equal(status.reason, "%>s must be 3 digits at column 57, found '2x0'");
});

test('Apache format errors throw WEIR_LOG_FORMAT', () => {
  assert.throws(() => compileFormat('%h %Z %t'), { code: 'WEIR_LOG_FORMAT', message: /unknown directive '%Z'/ });
  assert.throws(() => compileFormat('%h %{Referer i %t'), { code: 'WEIR_LOG_FORMAT', message: /'\{' at column 5 has no closing '\}'/ });
  assert.throws(() => compileFormat('%h %t %'), { code: 'WEIR_LOG_FORMAT', message: /'%' at column 7 ends the format/ });
  assert.throws(() => compileFormat('%h %i'), { code: 'WEIR_LOG_FORMAT', message: /%i needs a \{name\} argument/ });
  assert.throws(() => compileFormat('%h %{%d/%b/%Y}t'), { code: 'WEIR_LOG_FORMAT', message: /strftime time layouts are not supported/ });
  assert.throws(() => compileFormat('%h%l %t'), { code: 'WEIR_LOG_FORMAT', message: /%h and %l \(column 3\) have no text between them/ });
  assert.throws(() => compileFormat('%h %{xx}T'), { code: 'WEIR_LOG_FORMAT', message: /unit must be s, ms or us/ });
});

test('compiled Apache templates: %t brings its brackets, headers get nginx names', () => {
  const t = compileFormat('%h %t "%{X-Request-Id}i" %{c}a %>s');
  assert.equal(t.dialect, 'apache');
  assert.deepEqual(t.literals, ['', ' [', '] "', '" ', ' ', '']);
  assert.deepEqual(
    t.fields.map((f) => [f.name, f.label]),
    [
      ['remote_addr', '%h'],
      ['time_local', '%t'],
      ['http_x_request_id', '%{X-Request-Id}i'],
      ['peer_addr', '%{c}a'],
      ['status', '%>s'],
    ],
  );
});

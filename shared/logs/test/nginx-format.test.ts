import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RequestEvent } from '@weir/contracts';
import { compileFormat, parserFor } from '../src/index.js';
import { event, rejected } from './results.js';

/** A typical production log_format behind a load balancer, with timings, a session cookie and a custom variable. */
const MAIN_EXT =
  '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" ' +
  'host=$host rt=$request_time urt="$upstream_response_time" uct=$upstream_connect_time sid=$cookie_sid foo=$foo ' +
  'xff="$http_x_forwarded_for"';

test('a custom nginx format: timings, upstream lists, cookie session id, unknown variable', () => {
  const parser = parserFor(MAIN_EXT, { customer: 'shop', sessionIdField: 'cookie_sid' });
  const line =
    '10.0.3.17 - - [11/Oct/2024:16:23:07 +0200] "POST /api/cart?id=9 HTTP/1.1" 201 87 "https://shop.example/p/9" ' +
    '"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36" ' +
    'host=shop.example rt=0.123 urt="0.004, 0.110 : 0.002" uct=0.001, 0.000 sid=s%3Aab12 foo=bar-baz ' +
    'xff="203.0.113.9, 10.0.0.1"';
  assert.deepEqual(event(parser.parseLine(line, 1)), {
    customer: 'shop',
    eventTime: 1728656587000, // 16:23:07 at +02:00
    clientIp: '10.0.3.17',
    userAgent: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36',
    method: 'POST',
    path: '/api/cart',
    query: 'id=9',
    protocol: 'HTTP/1.1',
    status: 201,
    bytes: 87,
    referrer: 'https://shop.example/p/9',
    host: 'shop.example',
    sessionId: 's%3Aab12',
    requestTimeMs: 123,
    extra: {
      upstream_response_time: '0.004, 0.110 : 0.002',
      upstream_connect_time: '0.001, 0.000',
      cookie_sid: 's%3Aab12',
      foo: 'bar-baz',
      http_x_forwarded_for: '203.0.113.9, 10.0.0.1',
    },
    unlogged: [],
  } satisfies RequestEvent);

  // No cookie, no upstream (served from cache), no forwarded header.
  const bare = event(
    parser.parseLine(
      '10.0.3.17 - - [11/Oct/2024:16:23:07 +0200] "GET / HTTP/1.1" 200 0 "-" "-" host=shop.example rt=0.000 urt="-" uct=- sid=- foo=- xff="-"',
      2,
    ),
  );
  assert.equal(bare.sessionId, null);
  assert.equal(bare.requestTimeMs, 0);
  assert.deepEqual(bare.extra, {});
});

test('clientIpField takes the leftmost X-Forwarded-For address, falling back to $remote_addr', () => {
  const parser = parserFor(MAIN_EXT, { customer: 'shop', clientIpField: 'http_x_forwarded_for' });
  const line = (xff: string): string =>
    `10.0.3.17 - - [11/Oct/2024:16:23:07 +0200] "GET / HTTP/1.1" 200 0 "-" "-" host=h rt=0.001 urt="-" uct=- sid=- foo=- xff="${xff}"`;
  const behind = event(parser.parseLine(line('2001:db8::7, 10.0.0.1'), 1));
  assert.equal(behind.clientIp, '2001:db8::7');
  assert.deepEqual(behind.extra, { remote_addr: '10.0.3.17', http_x_forwarded_for: '2001:db8::7, 10.0.0.1' });
  assert.equal(event(parser.parseLine(line('-'), 2)).clientIp, '10.0.3.17');
  assert.equal(event(parser.parseLine(line('unknown, 10.0.0.1'), 3)).clientIp, '10.0.3.17');
});

test('$msec, ${var} braces, $request_method + $request_uri + $server_protocol, $bytes_sent', () => {
  const parser = parserFor('$msec ${remote_addr}|$request_method $request_uri $server_protocol|$status|${bytes_sent}B|$request_time', {
    customer: 'c',
  });
  const e = event(parser.parseLine('1697040000.123 2001:db8::1|GET /a/b?x=1&y=%20 HTTP/2.0|404|1532B|1.5', 1));
  assert.equal(e.eventTime, 1697040000123);
  assert.equal(e.clientIp, '2001:db8::1');
  assert.deepEqual([e.method, e.path, e.query, e.protocol], ['GET', '/a/b', 'x=1&y=%20', 'HTTP/2.0']);
  assert.equal(e.status, 404);
  assert.equal(e.bytes, 1532);
  assert.equal(e.requestTimeMs, 1500);
  assert.deepEqual(e.extra, {});
});

test('$time_iso8601, $uri with $args, $http_host; $host wins over $http_host, which goes to extra', () => {
  const parser = parserFor('$remote_addr [$time_iso8601] $request_method $uri $args $status $http_host $host', { customer: 'c' });
  const e = event(parser.parseLine('192.0.2.4 [2024-10-11T16:23:07+02:00] GET /search q=bots 200 WWW.Example.com:8080 www.example.com', 1));
  assert.equal(e.eventTime, 1728656587000);
  assert.deepEqual([e.method, e.path, e.query, e.protocol], ['GET', '/search', 'q=bots', null]);
  assert.equal(e.host, 'www.example.com');
  assert.deepEqual(e.extra, { http_host: 'WWW.Example.com:8080' });
  const noArgs = event(parser.parseLine('192.0.2.4 [2024-10-11T16:23:07Z] GET / - 200 - -', 2));
  assert.deepEqual([noArgs.path, noArgs.query, noArgs.host], ['/', null, null]);
});

test('a session id read from a logged Cookie header', () => {
  const parser = parserFor('$remote_addr [$time_local] "$request" $status "$http_cookie"', { customer: 'c', sessionIdField: 'cookie_sid' });
  const line = (cookie: string): string => `192.0.2.4 [11/Oct/2024:16:23:07 +0200] "GET / HTTP/1.1" 200 "${cookie}"`;
  assert.equal(event(parser.parseLine(line('theme=dark; sid=XyZ-42; _ga=GA1.2.3'), 1)).sessionId, 'XyZ-42');
  assert.equal(event(parser.parseLine(line('theme=dark'), 2)).sessionId, null);
  assert.equal(event(parser.parseLine(line('-'), 3)).sessionId, null);
});

test('format rejections name the nginx variable and column', () => {
  const parser = parserFor(MAIN_EXT, { customer: 'shop' });
  const base =
    '10.0.3.17 - - [11/Oct/2024:16:23:07 +0200] "GET / HTTP/1.1" 200 0 "-" "-" host=h rt=RT urt="-" uct=- sid=- foo=- xff="-"';
  const rt = rejected(parser.parseLine(base.replace('RT', '0.1s'), 42));
  assert.equal(rt.line, 42);
  assert.equal(rt.code, 'bad_number');
  assert.equal(rt.reason, "$request_time must be a number at column 85, found '0.1s'");
  const noHost = rejected(parser.parseLine(base.replace(' host=h', ''), 43));
  assert.equal(noHost.code, 'layout');
  assert.equal(noHost.reason, `expected '" host=' after $http_user_agent (which starts at column 72), found none`);
});

test('format strings that cannot work throw WEIR_LOG_FORMAT with a clear message', () => {
  assert.throws(() => parserFor('$remote_addr [$time_local] "$request" ${status'), {
    code: 'WEIR_LOG_FORMAT',
    message: /'\$\{' at column 39 has no closing '\}'/,
  });
  assert.throws(() => compileFormat('$remote_addr $ $status'), { code: 'WEIR_LOG_FORMAT', message: /'\$' at column 14 is not followed by a variable name/ });
  assert.throws(() => compileFormat('$remote_addr ${bad-name}'), { code: 'WEIR_LOG_FORMAT', message: /invalid variable name/ });
  assert.throws(() => parserFor('$remote_addr$remote_user [$time_local] "$request" $status'), {
    code: 'WEIR_LOG_FORMAT',
    message: /\$remote_addr and \$remote_user \(column 13\) have no text between them/,
  });
  assert.throws(() => parserFor('$remote_addr "$request" $status'), { code: 'WEIR_LOG_FORMAT', message: /it has no time/ });
  assert.throws(() => parserFor('$remote_addr [$time_local] "$request"'), { code: 'WEIR_LOG_FORMAT', message: /it has no status/ });
  assert.throws(() => parserFor('combined', { sessionIdField: 'cookie_sid' }), {
    code: 'WEIR_LOG_FORMAT',
    message: /session key field 'cookie_sid' is not one of its fields/,
  });
  assert.throws(() => parserFor('plain words'), { code: 'WEIR_LOG_FORMAT', message: /unknown log format "plain words"/ });
});

test('compiled templates: literals around fields, nginx names', () => {
  const t = compileFormat('$remote_addr [$time_local] "$request" $status $foo');
  assert.equal(t.dialect, 'nginx');
  assert.deepEqual(t.literals, ['', ' [', '] "', '" ', ' ', '']);
  assert.deepEqual(
    t.fields.map((f) => f.name),
    ['remote_addr', 'time_local', 'request', 'status', 'foo'],
  );
});

test('a field the format does not record is unlogged on every event, unlike one logged as "-"', () => {
  const bare = parserFor('$remote_addr [$time_local] "$request" $status', { customer: 'shop' });
  const lacking = event(bare.parseLine('10.0.3.17 [11/Oct/2024:16:23:07 +0200] "GET / HTTP/1.1" 200', 1));
  assert.deepEqual(lacking.unlogged, ['referrer', 'bytes', 'userAgent']);
  assert.equal(lacking.referrer, null);
  assert.equal(lacking.bytes, 0);

  const withBytesSent = parserFor('$remote_addr [$time_local] "$request" $status $bytes_sent "$http_user_agent"', { customer: 'shop' });
  assert.deepEqual(event(withBytesSent.parseLine('10.0.3.17 [11/Oct/2024:16:23:07 +0200] "GET / HTTP/1.1" 200 300 "curl/8"', 1)).unlogged, ['referrer']);

  const full = parserFor('combined', { customer: 'shop' });
  const dashes = event(full.parseLine('10.0.3.17 - - [11/Oct/2024:16:23:07 +0200] "GET / HTTP/1.1" 304 - "-" "-"', 1));
  assert.deepEqual(dashes.unlogged, [], 'a "-" is a logged absence: no referrer, no body, no user agent sent');
  assert.equal(dashes.referrer, null);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clientAddress, NO_CLIENT_ADDRESS, parserFor } from '../src/index.js';
import { event } from './results.js';

const COOKIE_FORMAT = '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" "$cookie_session"';

function line(ip: string): string {
  return `${ip} - - [11/Oct/2024:16:23:07 +0000] "GET /p/1 HTTP/1.1" 200 512 "-" "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0" "c0ffee"`;
}

test('redaction conventions of published logs parse, and unusable addresses become the empty address', () => {
  const parser = parserFor(COOKIE_FORMAT, { customer: 'c', sessionIdField: 'cookie_session' });
  const cases: [string, string][] = [
    ['-', NO_CLIENT_ADDRESS],
    ['0.0.0.0', NO_CLIENT_ADDRESS],
    ['xxx.xxx.xxx.xxx', NO_CLIENT_ADDRESS],
    ['XXX.XXX.X.X', NO_CLIENT_ADDRESS],
    ['::', NO_CLIENT_ADDRESS],
    ['203.0.113.0', '203.0.113.0'],
    ['2001:db8::', '2001:db8::'],
    ['a3f1c2d4e5b60718', 'a3f1c2d4e5b60718'],
    ['198.51.100.7', '198.51.100.7'],
  ];
  for (const [logged, expected] of cases) {
    const e = event(parser.parseLine(line(logged), 1));
    assert.equal(e.clientIp, expected, logged);
    assert.equal(e.sessionId, 'c0ffee', logged);
    assert.equal(e.status, 200);
  }
});

test('an empty quoted address and a format that logs no address at all parse too', () => {
  const quoted = parserFor('"$remote_addr" [$time_local] "$request" $status', { customer: 'c' });
  assert.equal(event(quoted.parseLine('"" [11/Oct/2024:16:23:07 +0000] "GET / HTTP/1.1" 200', 1)).clientIp, '');
  const none = parserFor('[$time_local] "$request" $status $cookie_sid', { customer: 'c', sessionIdField: 'cookie_sid' });
  const e = event(none.parseLine('[11/Oct/2024:16:23:07 +0000] "GET / HTTP/1.1" 200 s1', 1));
  assert.deepEqual([e.clientIp, e.sessionId, e.path], ['', 's1', '/']);
});

test('JSON lines: a missing, null or masked address is no rejection', () => {
  const parser = parserFor('json', { customer: 'c' });
  const base = { time: '2024-10-11T16:23:07Z', request: 'GET / HTTP/1.1', status: 200 };
  for (const ip of [undefined, null, '-', 'xxx.xxx.xxx.xxx']) {
    const record = ip === undefined ? base : { ...base, remote_addr: ip };
    assert.equal(event(parser.parseLine(JSON.stringify(record), 1)).clientIp, '', String(ip));
  }
});

test('clientAddress keeps what still separates visitors and drops what does not', () => {
  assert.equal(clientAddress(' 10.0.0.1 '), '10.0.0.1');
  assert.equal(clientAddress('unknown'), '');
  assert.equal(clientAddress('***.***.***.***'), '');
  assert.equal(clientAddress(null), '');
  assert.equal(clientAddress('fe80::1'), 'fe80::1');
});

test('clientAddress: addresses starting with 1-9 come back as logged, and padded or placeholder ones as before', () => {
  const cases: [string, string][] = [
    ['198.51.100.7', '198.51.100.7'],
    ['9', '9'],
    ['1.2.3.4 ', '1.2.3.4'],
    ['1.2.3.4\t', '1.2.3.4'],
    ['1.2.3.4\u00a0', '1.2.3.4'],
    ['1.2.3.4\ufeff', '1.2.3.4'],
    [' 1.2.3.4', '1.2.3.4'],
    ['2001:db8::1', '2001:db8::1'],
    ['1é', '1é'],
    ['0.0.0.0', NO_CLIENT_ADDRESS],
    ['0:0:0:0:0:0:0:0', NO_CLIENT_ADDRESS],
    ['0.1.2.3', '0.1.2.3'],
    ['x.x.x.x', NO_CLIENT_ADDRESS],
    ['NULL', NO_CLIENT_ADDRESS],
    ['', NO_CLIENT_ADDRESS],
  ];
  for (const [logged, expected] of cases) assert.equal(clientAddress(logged), expected, JSON.stringify(logged));
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parserFor, type LogParser } from '../src/index.js';

/** Deterministic, so a failure reproduces. */
function rng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

const ALPHABET = ' "[]-\\/:?x0123456789\r\t{},\u00e9\ufeff';

/** Deletes, inserts or replaces a few characters, or cuts the line short. */
function mutate(line: string, random: () => number): string {
  let out = line;
  const edits = 1 + Math.floor(random() * 4);
  for (let e = 0; e < edits; e++) {
    const at = Math.floor(random() * (out.length + 1));
    const ch = ALPHABET[Math.floor(random() * ALPHABET.length)] as string;
    const kind = random();
    if (kind < 0.3) out = out.slice(0, at) + out.slice(at + 1);
    else if (kind < 0.6) out = out.slice(0, at) + ch + out.slice(at);
    else if (kind < 0.9) out = out.slice(0, at) + ch + out.slice(at + 1);
    else out = out.slice(0, at);
  }
  return out;
}

function check(parser: LogParser, seedLines: string[], seed: number): void {
  const random = rng(seed);
  for (let i = 0; i < 4000; i++) {
    const line = mutate(seedLines[i % seedLines.length] as string, random);
    let result;
    try {
      result = parser.parseLine(line, i + 1);
    } catch (err) {
      assert.fail(`parseLine threw on ${JSON.stringify(line)}: ${String(err)}`);
    }
    if (result === null) {
      assert.equal(line.trim(), '', `null for a non-blank line ${JSON.stringify(line)}`);
    } else if (result.ok) {
      const e = result.event;
      assert.ok(Number.isInteger(e.eventTime), JSON.stringify(line));
      assert.ok(e.status >= 0 && e.status <= 999 && Number.isInteger(e.status));
      assert.ok(Number.isInteger(e.bytes) && e.bytes >= 0);
      // An address is either usable (trimmed, non-empty) or '' for none: redacted logs have none.
      assert.equal(e.clientIp, e.clientIp.trim());
    } else {
      assert.equal(result.line, i + 1);
      assert.ok(result.reason.length > 0);
      assert.equal(result.message, `line ${i + 1}: ${result.reason}`);
    }
  }
}

test('mutated combined, nginx and Apache lines give an event or a rejection, never a throw', () => {
  const lines = [
    '66.249.66.1 - - [10/Oct/2000:13:55:36 -0700] "GET /a?b=1 HTTP/1.1" 200 2326 "-" "Googlebot/2.1"',
    String.raw`2001:db8::1 - bob [10/Oct/2000:13:55:36 +0000] "GET /x" 404 - "http://e/\"q\"" "curl \"x\" \\"`,
    String.raw`1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] "\x16\x03\x01" 400 157 "-" "-"`,
  ];
  check(parserFor('combined', { customer: 'c' }), lines, 1);
  check(
    parserFor('$remote_addr [$time_iso8601] "$request" $status $body_bytes_sent rt=$request_time u=$upstream_response_time s=$cookie_sid', {
      customer: 'c',
      sessionIdField: 'cookie_sid',
    }),
    ['192.0.2.1 [2024-10-11T16:23:07+02:00] "GET / HTTP/2.0" 200 5 rt=0.010 u=0.001, 0.002 s=abc'],
    2,
  );
  check(parserFor('%h %t "%r" %>s %b %D "%{User-Agent}i" %U%q', { customer: 'c' }), [
    '192.0.2.1 [10/Oct/2000:13:55:36 -0700] "GET /a?b HTTP/1.1" 200 - 1534 "ua" /a?b',
  ], 3);
});

test('mutated JSON lines give an event or a rejection, never a throw', () => {
  check(
    parserFor('json', { customer: 'c', sessionIdField: 'cookie_sid' }),
    [
      '{"time":1697040000.5,"remote_addr":"192.0.2.1","request":"GET /a?b=1 HTTP/1.1","status":200,"body_bytes_sent":"12","request_time":"0.1"}',
      String.raw`{"time_local":"10/Oct/2000:13:55:36 -0700","remote_addr":"2001:db8::1","uri":"/x","status":"404","http_user_agent":"a \x22b\x22","cookie":"sid=1"}`,
    ],
    4,
  );
});

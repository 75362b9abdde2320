/**
 * No secret reaches the log: API keys in query strings, Authorization and X-API-Key headers,
 * cookies — on every path (accepted, refused, failed). The service's own logger (serviceLogger)
 * writes to a capture, and every line it wrote is searched for the secrets.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { serviceLogger } from '@weir/service';
import { auth, busWithSend, combinedLine, KEYS, testApp } from './helpers.js';

test('secrets in query strings, headers and cookies never appear in any log line', async () => {
  const captured: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      captured.push(chunk.toString('utf8'));
      done();
    },
  });
  const logger = serviceLogger('ingest', { level: 'trace' }, sink);
  let failing = false;
  const bus = busWithSend(async (messages, real) => {
    if (failing) throw new Error('broker down');
    return real.send(messages);
  });
  const t = testApp({ logger, bus });
  const QUERY_KEY = 'query-secret-0123456789abcdef';
  const COOKIE = 'cookie-secret-0123456789';
  const TOKEN = 'token-secret-0123456789';
  const line = combinedLine('203.0.113.1', 'ua', '/');
  const requests = [
    // Accepted, with the key also (wrongly) in the query string.
    { url: `/v1/logs?customer=acme&api_key=${QUERY_KEY}`, headers: { ...auth(KEYS.acme), cookie: `session=${COOKIE}` } },
    { url: `/v1/logs?access_token=${TOKEN}&customer=acme`, headers: { 'x-api-key': KEYS.globex } },
    // Refused: unknown key, and a key in the query string only.
    { url: `/v1/logs?key=${QUERY_KEY}`, headers: { authorization: `Bearer ${QUERY_KEY}` } },
    { url: `/v1/logs?apiKey=${encodeURIComponent(KEYS.acme)}`, headers: {} },
    // Unrouted.
    { url: `/nowhere?token=${TOKEN}`, headers: { cookie: `id=${COOKIE}` } },
  ];
  for (const { url, headers } of requests) {
    await t.app.inject({ method: 'POST', url, headers: { 'content-type': 'text/plain', ...headers }, payload: line });
  }
  failing = true; // a 503, logged at warn with its error
  await t.app.inject({ method: 'POST', url: `/v1/logs?secret=${TOKEN}`, headers: { ...auth(KEYS.acme), 'content-type': 'text/plain' }, payload: line });
  await t.close();
  await t.bus.close();

  const log = captured.join('');
  assert.ok(captured.length >= 6, 'every request was logged');
  assert.match(log, /"url":"\/v1\/logs\?customer=acme&api_key=\[redacted\]"/);
  assert.match(log, /"msg":"request failed: unavailable"/);
  for (const secret of [QUERY_KEY, COOKIE, TOKEN, KEYS.acme, KEYS.globex, encodeURIComponent(KEYS.acme)]) {
    assert.ok(!log.includes(secret), `${secret} is in the log:\n${log.split('\n').filter((l) => l.includes(secret)).join('\n')}`);
  }
});

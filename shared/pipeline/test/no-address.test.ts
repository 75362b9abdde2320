/**
 * A log that redacts client addresses, keyed by ip_ua, would merge every visitor with the same
 * browser into one session. Ingest rejects such lines; an event that reaches sessionize anyway (a
 * producer of its own, ingest keyed by a cookie while sessionize keys by address) is dead-lettered
 * with reason no_address and a key that would work, and the stream goes on. Keyed by a cookie, the
 * same event is sessionized.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DLQ_HEADERS } from '@weir/stream';
import { requestAt, sessionizeEmbedded } from './sessionize-embedded.js';

const event = (second: number, clientIp: string, sessionId: string | null) => requestAt(second, { clientIp, sessionId });
const events = [event(1, '203.0.113.9', null), event(2, '', 'cookie-a'), event(3, '203.0.113.9', null), event(4, '', null)];

test('keyed by ip_ua, events without an address are dead-lettered no_address with a key that would work; the others are sessionized', { timeout: 60_000 }, async () => {
  const { closed, deadLetters } = await sessionizeEmbedded(events, { sessionKey: 'ip_ua' });
  assert.deepEqual(closed.map((s) => [s.sessionKey, s.requestCount]), [['203.0.113.9|Mozilla/5.0', 2]]);
  assert.deepEqual(deadLetters.map((d) => d.headers[DLQ_HEADERS.sourceOffset]?.toString()), ['1', '3']);
  for (const d of deadLetters) {
    assert.match(d.headers[DLQ_HEADERS.reason]?.toString() ?? '', /WEIR_FEATURES_NO_ADDRESS: no_address: the event has no client address .*keyed by ip_ua.*WEIR_SESSION_KEY=field:cookie_session/);
  }
});

test('keyed by a cookie, the same events need no address: the cookie-less one without an address is keyed -|user agent', { timeout: 60_000 }, async () => {
  const { closed, deadLetters } = await sessionizeEmbedded(events, { sessionKey: 'field:sessionId' });
  assert.equal(deadLetters.length, 0);
  assert.deepEqual(closed.map((s) => [s.sessionKey, s.requestCount]).sort(), [['-|Mozilla/5.0', 1], ['203.0.113.9|Mozilla/5.0', 2], ['cookie-a', 1]]);
});

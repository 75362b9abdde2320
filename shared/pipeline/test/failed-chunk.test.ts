/**
 * A chunk whose stage throws is replayed record by record by the runner. A stateful stage must
 * then see the partition's state as it was before the chunk: the records before the failing one
 * are applied once, not twice, and the failing one is dead-lettered with its reason.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DLQ_HEADERS } from '@weir/stream';
import { requestAt, sessionizeEmbedded } from './sessionize-embedded.js';

test('a failed chunk is replayed from the state before it: 3 good events and 1 bad close a session of 3', { timeout: 60_000 }, async () => {
  // The bad event travels on acme's topic, so it lands in the same chunk, after the good ones.
  const events = [requestAt(1), requestAt(2), requestAt(3), requestAt(4, { customer: '' })];
  const { closed, deadLetters } = await sessionizeEmbedded(events);

  assert.equal(closed.length, 1, 'one session closed');
  assert.equal(closed[0]!.requestCount, 3, 'each good event counted once');
  assert.equal(deadLetters.length, 1, 'the bad event is dead-lettered');
  assert.equal(deadLetters[0]!.offset, 0);
  assert.equal(deadLetters[0]!.headers[DLQ_HEADERS.sourceOffset]?.toString(), '3');
  assert.match(deadLetters[0]!.headers[DLQ_HEADERS.reason]?.toString() ?? '', /no customer/);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bodyText, bodyTypeOf, contentCodingOf, decodeBody, splitLines } from '../src/body.js';
import { chunkMessages, InflightBudget } from '../src/publish.js';
import { gzip } from './helpers.js';

test('content types: NDJSON and plain text, with their charsets', () => {
  assert.deepEqual(bodyTypeOf('application/x-ndjson'), { kind: 'ndjson', charset: 'utf-8' });
  assert.deepEqual(bodyTypeOf('Application/NDJSON; charset="UTF-8"'), { kind: 'ndjson', charset: 'utf-8' });
  assert.deepEqual(bodyTypeOf('text/plain;charset=iso-8859-1'), { kind: 'text', charset: 'latin1' });
  assert.throws(() => bodyTypeOf(undefined), { code: 'WEIR_INGEST_UNSUPPORTED_MEDIA_TYPE', statusCode: 415 });
  assert.throws(() => bodyTypeOf('text/plain; charset=shift_jis'), { code: 'WEIR_INGEST_UNSUPPORTED_MEDIA_TYPE' });
});

test('content codings: gzip or none', () => {
  assert.equal(contentCodingOf(undefined), 'identity');
  assert.equal(contentCodingOf('identity'), 'identity');
  assert.equal(contentCodingOf('GZIP'), 'gzip');
  assert.equal(contentCodingOf('x-gzip'), 'gzip');
  assert.throws(() => contentCodingOf('deflate'), { code: 'WEIR_INGEST_UNSUPPORTED_ENCODING', statusCode: 415 });
});

test('gzip: decompressed up to the limit, concatenated members included', async () => {
  const two = Buffer.concat([gzip('a\n'), gzip('b\n')]);
  assert.equal((await decodeBody(two, 'gzip', 100)).toString(), 'a\nb\n');
  await assert.rejects(decodeBody(gzip('x'.repeat(101)), 'gzip', 100), { code: 'WEIR_INGEST_BODY_TOO_LARGE', statusCode: 413 });
  await assert.rejects(decodeBody(Buffer.from('plain'), 'gzip', 100), { code: 'WEIR_INGEST_BAD_GZIP', statusCode: 400 });
});

test('lines: a final newline ends the last line; a missing one does not lose it', () => {
  assert.deepEqual(splitLines(''), []);
  assert.deepEqual(splitLines('a\nb\n'), ['a', 'b']);
  assert.deepEqual(splitLines('a\n\nb'), ['a', '', 'b']);
  assert.deepEqual(splitLines('\n'), ['']);
  assert.equal(bodyText(Buffer.from('\ufeffa'), 'utf-8'), 'a');
});

test('the in-flight budget refuses what does not fit and gives back on release', () => {
  const seen: number[] = [];
  const budget = new InflightBudget(100, (used) => seen.push(used));
  const a = budget.tryReserve(60)!;
  assert.equal(budget.tryReserve(50), null);
  assert.equal(a.resize(90), true);
  assert.equal(a.resize(101), false);
  assert.equal(a.resize(40), true);
  const b = budget.tryReserve(60)!;
  assert.equal(budget.inUse, 100);
  a.release();
  a.release();
  b.release();
  assert.equal(budget.inUse, 0);
  assert.deepEqual(seen, [60, 90, 40, 100, 60, 0]);
});

test('produce calls are bounded in bytes and keep the order', () => {
  const messages = Array.from({ length: 10 }, (_, i) => ({ topic: 't', key: `k${i}`, value: Buffer.alloc(100, i) }));
  const chunks = chunkMessages(messages, 400);
  assert.ok(chunks.length > 1);
  assert.deepEqual(chunks.flat(), messages);
  for (const chunk of chunks) assert.ok(chunk.length >= 1 && chunk.length <= 3);
});

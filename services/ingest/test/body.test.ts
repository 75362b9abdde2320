import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Readable } from 'node:stream';
import { bodyLines, bodyTypeOf, contentCodingOf, firstInvalidUtf8, type BodyLine } from '../src/body.js';
import { readBody, type ReadBodyOptions } from '../src/body-reader.js';
import { InflightBudget } from '../src/budget.js';
import { IngestError } from '../src/errors.js';
import { chunkMessages } from '../src/publish.js';
import { gzip } from './helpers.js';

const overloaded = () => new IngestError('WEIR_INGEST_OVERLOADED', 429, 'full');
function read(bytes: Buffer, coding: 'gzip' | 'identity', maxBytes: number, budget = new InflightBudget(1 << 30)) {
  const options: ReadBodyOptions = {
    coding,
    maxBytes,
    reservation: budget.open('acme'),
    timeoutMs: 10_000,
    signal: new AbortController().signal,
    overloaded,
  };
  return readBody(Readable.from([bytes]), options);
}
const texts = (body: string | Buffer, charset: 'utf-8' | 'latin1' = 'utf-8', max = 1000): BodyLine[] =>
  [...bodyLines(Buffer.isBuffer(body) ? body : Buffer.from(body), charset, max)];

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
  assert.equal((await read(two, 'gzip', 100)).body.toString(), 'a\nb\n');
  await assert.rejects(read(gzip('x'.repeat(101)), 'gzip', 100), { code: 'WEIR_INGEST_BODY_TOO_LARGE', statusCode: 413 });
  await assert.rejects(read(Buffer.from('plain'), 'gzip', 100), { code: 'WEIR_INGEST_BAD_GZIP', statusCode: 400 });
});

test('gzip: the budget holds the decompressed bytes as they are produced, and refuses past it (429)', async () => {
  const budget = new InflightBudget(1000);
  await assert.rejects(read(gzip('y'.repeat(5000)), 'gzip', 100_000, budget), { code: 'WEIR_INGEST_OVERLOADED' });
  const ok = new InflightBudget(100_000);
  const { body, received } = await read(gzip('z'.repeat(5000)), 'gzip', 100_000, ok);
  assert.equal(body.length, 5000);
  assert.equal(ok.inUse, 5000, 'only the decompressed bytes stay charged, not the gzip ones');
  assert.ok(received < 200);
});

test('lines: a final newline ends the last line; a missing one does not lose it; a BOM is dropped', () => {
  const ok = (text: string): BodyLine => ({ ok: true, text });
  assert.deepEqual(texts(''), []);
  assert.deepEqual(texts('a\nb\n'), [ok('a'), ok('b')]);
  assert.deepEqual(texts('a\n\nb'), [ok('a'), ok(''), ok('b')]);
  assert.deepEqual(texts('\n'), [ok('')]);
  assert.deepEqual(texts('\ufeffa'), [ok('a')]);
});

test('lines: invalid UTF-8 rejects that line (invalid_utf8), never replaced; latin1 is read as declared', () => {
  const body = Buffer.concat([Buffer.from('good é\n'), Buffer.from([0x61, 0x62, 0xff, 0x63]), Buffer.from('\nlast')]);
  const lines = texts(body);
  assert.deepEqual(lines[0], { ok: true, text: 'good é' });
  assert.equal(lines[1]!.ok, false);
  assert.deepEqual(lines[1]!.ok ? null : [lines[1]!.code, /byte 3 /.test(lines[1]!.reason)], ['invalid_utf8', true]);
  assert.deepEqual(lines[2], { ok: true, text: 'last' });
  assert.deepEqual(texts(Buffer.from([0x63, 0x61, 0x66, 0xe9]), 'latin1'), [{ ok: true, text: 'café' }]);
  // Overlong, surrogate, past U+10FFFF, truncated: all refused where the decoder refuses them.
  for (const bad of [[0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xe2, 0x82]]) {
    assert.equal(firstInvalidUtf8(Uint8Array.from(bad)), 0, String(bad));
    assert.equal(texts(Buffer.from(bad))[0]!.ok, false);
  }
  assert.equal(firstInvalidUtf8(Buffer.from('ok ✓ 😀')), -1);
});

test('lines: one over the line limit is rejected too_large, the others kept', () => {
  const lines = texts(`short\n${'x'.repeat(101)}\nalso short`, 'utf-8', 100);
  assert.deepEqual(lines.map((l) => (l.ok ? l.text : l.code)), ['short', 'too_large', 'also short']);
});

test('lines: the line limit counts bytes, not characters, in a valid body and in one with a bad line', () => {
  // 60 characters of 2 bytes each: 120 bytes, over 100, though only 60 characters long.
  const wide = 'é'.repeat(60);
  for (const bad of [false, true]) {
    const body = Buffer.concat([Buffer.from(`${'a'.repeat(100)}\n${wide}\n${'é'.repeat(50)}\n`), bad ? Buffer.from([0xff, 0x0a]) : Buffer.alloc(0)]);
    const lines = texts(body, 'utf-8', 100);
    assert.deepEqual(
      lines.map((l) => (l.ok ? l.text.length : l.code)),
      [100, 'too_large', 50, ...(bad ? ['invalid_utf8'] : [])],
    );
    assert.match(lines[1]!.ok ? '' : lines[1]!.reason, /has 120 bytes/);
  }
  // latin-1: one byte a character, whatever the character.
  assert.deepEqual(texts(Buffer.from('é'.repeat(100), 'latin1'), 'latin1', 100).map((l) => l.ok), [true]);
});

test('the in-flight budget refuses what does not fit, per customer too, and gives back on release', () => {
  const seen: number[] = [];
  const budget = new InflightBudget(100, 60, (used) => seen.push(used));
  const a = budget.open('acme');
  assert.equal(a.grow(50), true);
  assert.equal(a.grow(20), false, 'over acme\'s share');
  const b = budget.open('globex');
  assert.equal(b.grow(50), true, 'globex is not held back by acme');
  assert.equal(b.grow(1), false, 'over the whole budget');
  a.shrink(10);
  assert.equal(budget.inUseBy('acme'), 40);
  assert.equal(budget.inUse, 90);
  a.release();
  a.release();
  b.release();
  assert.equal(budget.inUse, 0);
  assert.deepEqual(seen, [50, 100, 90, 50, 0]);
});

test('produce calls are bounded in bytes and keep the order', () => {
  const messages = Array.from({ length: 10 }, (_, i) => ({ topic: 't', key: `k${i}`, value: Buffer.alloc(100, i) }));
  const chunks = chunkMessages(messages, 400);
  assert.ok(chunks.length > 1);
  assert.deepEqual(chunks.flat(), messages);
  for (const chunk of chunks) assert.ok(chunk.length >= 1 && chunk.length <= 3);
});

test('a body of many segments gives every line whole: multi-byte text, long lines and lines across segment ends', () => {
  // Lines of every length up to 40 KB, some multi-byte, so that segment ends (about every 16 KB)
  // fall at every kind of place; a BOM in front, and no newline after the last line.
  const lines: string[] = [];
  for (let i = 0; lines.join('\n').length < 400_000; i++) {
    const unit = i % 5 === 0 ? 'é☕😀' : 'a';
    lines.push(`${i} ${unit.repeat((i * 7919) % (i % 13 === 0 ? 13_000 : 300))}`);
  }
  lines.push('', 'last');
  const body = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(lines.join('\n'))]);
  const got = texts(body, 'utf-8', 1 << 20);
  assert.deepEqual(got, lines.map((text) => ({ ok: true, text })));
  const latin1 = Buffer.from(lines.map((l) => l.replace(/[^\x00-\xff]/gu, 'ÿ')).join('\n'), 'latin1');
  assert.deepEqual(
    texts(latin1, 'latin1', 1 << 20).map((l) => (l.ok ? l.text : l.code)),
    lines.map((l) => l.replace(/[^\x00-\xff]/gu, 'ÿ')),
  );
});

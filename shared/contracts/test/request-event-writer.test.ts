import { test } from 'node:test';
import assert from 'node:assert/strict';
import avro from 'avsc';
import type { Schema } from 'avsc';
import { parseSchema } from '../src/avro.js';
import { FramedWriter } from '../src/framed-writer.js';
import { NOT_HANDLED, WRITTEN_SCHEMA_SHA256, writeRequestEvent } from '../src/request-event-writer.js';
import { requestEventSchema } from '../src/schemas.js';
import { frame } from '../src/wire-format.js';
import { fullRequest, sparseRequest } from './samples.js';

/** avsc with none of parseSchema's hooks: the writer whose bytes ours must match. */
const plain = avro.Type.forSchema(requestEventSchema as unknown as Schema, { omitRecordMethods: true });
const ours = parseSchema(requestEventSchema);

/** Deterministic pseudo-random strings mixing ASCII, 2- and 3-byte units, pairs and lone surrogates. */
function strings(count: number): string[] {
  let seed = 0x9e3779b9;
  const next = (): number => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) / 2 ** 32;
  };
  const pools = [
    () => String.fromCharCode(32 + Math.floor(next() * 95)),
    () => String.fromCharCode(Math.floor(next() * 128)),
    () => 'é',
    () => '☕',
    () => '😀',
    () => '\ud800',
    () => '\udc00',
    () => '\u007f',
    () => '\u0080',
  ];
    // Lengths around the loop/utf8Write step (20 units), the 1-, 2- and 3-byte length varints (64,
  // 8192 units) and the writer's limit (16,384), past which avsc writes the record.
  const lengths = [0, 1, 2, 12, 19, 20, 21, 63, 64, 65, 127, 128, 1000, 8191, 8192, 16_384, 16_385, 70_000];
  const out: string[] = [];
  for (let n = 0; n < count; n++) {
    const length = lengths[n % lengths.length]!;
    // Every length in turn ASCII and not.
    const ascii = Math.floor(n / lengths.length) % 3 !== 2;
    let text = '';
    while (text.length < length) text += ascii ? pools[0]!() : pools[Math.floor(next() * pools.length)]!();
    // A single non-ASCII unit at the very end: the fast path must give the string back whole.
    if (n % 7 === 3 && length > 0) text = text.slice(0, -1) + 'ü';
    out.push(text);
  }
  return out;
}

/** Times, byte counts and durations through the writer's int and float varint paths, and avsc's (negative). */
const numbers = [0, 1, 63, 64, 8191, 8192, 2 ** 30 - 1, 2 ** 30, 2 ** 31, 1_735_689_600_123, 2 ** 53 - 2, -1, -(2 ** 40)];

test('RequestEvents encode to the bytes avsc writes without our hooks, for ASCII and non-ASCII strings of every length', () => {
  const texts = strings(600);
  const handled = Buffer.alloc(1 << 20);
  let fast = 0;
  let checked = 0;
  for (const [i, text] of texts.entries()) {
    const event = {
      ...(i % 2 === 0 ? fullRequest : sparseRequest),
      clientIp: text,
      path: texts[(i + 1) % texts.length]!,
      userAgent: i % 5 === 0 ? null : texts[(i + 2) % texts.length]!,
      extra: i % 4 === 0 ? {} : { [text.slice(0, 10)]: texts[(i + 3) % texts.length]!, b: 'c' },
      eventTime: Math.abs(numbers[i % numbers.length]!),
      bytes: numbers[(i + 5) % numbers.length]!,
      status: [200, 404, -1, 2 ** 31 - 1][i % 4]!,
      requestTimeMs: i % 3 === 0 ? null : [0.5, -0, Number.NaN, 1e300][i % 4]!,
      unlogged: i % 6 === 0 ? ['referrer', 'bytes'] : [],
    };
    const expected = plain.toBuffer(event);
    assert.deepEqual(ours.toBuffer(event), expected, `event ${i} (clientIp of ${text.length} units)`);
    const end = writeRequestEvent(handled, 0, event);
    if (end !== NOT_HANDLED) {
      assert.deepEqual(handled.subarray(0, end), expected, `event ${i} as writeRequestEvent wrote it`);
      fast++;
    }
    checked++;
  }
  assert.equal(checked, 600);
  assert.ok(fast > 0, 'writeRequestEvent wrote none itself');
});

test('writeRequestEvent writes every ASCII event in its range itself, byte for byte as avsc', () => {
  const buf = Buffer.alloc(1 << 17);
  const ascii = strings(600).filter((text) => /^[\x00-\x7f]*$/.test(text) && text.length <= 16_384);
  assert.ok(ascii.length > 300);
  for (const [i, text] of ascii.entries()) {
    const event = {
      ...(i % 2 === 0 ? fullRequest : sparseRequest),
      path: text,
      userAgent: i % 5 === 0 ? null : ascii[(i + 1) % ascii.length]!,
      extra: i % 4 === 0 ? {} : { [ascii[(i + 2) % ascii.length]!.slice(0, 30)]: text, b: 'c' },
      eventTime: Math.abs(numbers[i % numbers.length]!),
      bytes: Math.abs(numbers[(i + 5) % numbers.length]!),
      status: [200, 404, 2 ** 30 - 1, -(2 ** 30)][i % 4]!,
      requestTimeMs: i % 3 === 0 ? null : [0.5, -0, Number.NaN, 1e300][i % 4]!,
    };
    const end = writeRequestEvent(buf, 3, event);
    assert.notEqual(end, NOT_HANDLED, `event ${i} (path of ${text.length} units)`);
    assert.deepEqual(buf.subarray(3, end), plain.toBuffer(event), `event ${i} (path of ${text.length} units)`);
  }
  assert.deepEqual(ours.toBuffer(fullRequest), plain.toBuffer(fullRequest));
  assert.deepEqual(ours.toBuffer(sparseRequest), plain.toBuffer(sparseRequest));
});

test('strings written at every offset near a slab end are framed as avsc frames them', () => {
  const writer = new FramedWriter();
  const texts = strings(140);
  // 64 KiB slabs: enough records that many land on a slab's last bytes.
  for (let round = 0; round < 40; round++) {
    for (const [i, text] of texts.entries()) {
      const event = { ...fullRequest, path: text, userAgent: `${round}-${i}` };
      assert.deepEqual(writer.write(3, ours, event), frame(3, plain.toBuffer(event)), `round ${round}, record ${i}`);
    }
  }
});

test('writeRequestEvent writes the usual event itself and leaves non-ASCII, negative and too large ones to avsc', () => {
  const buf = Buffer.alloc(4096);
  const ascii = { ...fullRequest, query: 'ref=home', extra: { upstream: '10.0.0.1:8080' } };
  const end = writeRequestEvent(buf, 7, ascii);
  assert.notEqual(end, NOT_HANDLED);
  assert.deepEqual(buf.subarray(7, end), plain.toBuffer(ascii));
  for (const declined of [
    fullRequest, // 'naïve ☕' in extra
    { ...ascii, path: '/café' },
    { ...ascii, userAgent: '\ud800' },
    { ...ascii, eventTime: -5 },
    { ...ascii, bytes: 1.5 },
    { ...ascii, status: 2 ** 31 },
    { ...ascii, status: 2 ** 30 },
    { ...ascii, unlogged: undefined },
    { ...ascii, host: undefined },
    { ...ascii, clientIp: 7 },
    { ...ascii, path: 'x'.repeat(20_000) },
  ]) {
    assert.equal(writeRequestEvent(buf, 0, declined), NOT_HANDLED, JSON.stringify(declined).slice(0, 120));
  }
  // Too little room: declined, so that avsc reports how much is missing.
  assert.equal(writeRequestEvent(Buffer.alloc(end - 7 - 1), 0, ascii), NOT_HANDLED);
  assert.equal(ours.encode(ascii, Buffer.alloc(end - 7 - 1)), -1);
});

test('another version of the RequestEvent schema is written by avsc alone', () => {
  const older = { ...requestEventSchema, fields: requestEventSchema.fields.filter((f) => f.name !== 'unlogged') };
  const olderPlain = avro.Type.forSchema(older as unknown as Schema, { omitRecordMethods: true });
  const olderOurs = parseSchema(older);
  const event = { ...sparseRequest, unlogged: ['referrer'] };
  assert.deepEqual(olderOurs.toBuffer(event), olderPlain.toBuffer(event));
  assert.notDeepEqual(olderOurs.toBuffer(event), ours.toBuffer(event));
});

test('a string field holding a non-string is refused as avsc refuses it', () => {
  const bad = { ...fullRequest, clientIp: 42 };
  assert.throws(() => plain.toBuffer(bad));
  assert.throws(() => ours.toBuffer(bad), /invalid "string": 42/);
  assert.equal(ours.isValid(bad), false);
  assert.equal(ours.isValid({ ...fullRequest, userAgent: 7 }), false);
});

test('the writer is for the schema as it stands: a field added, even with a default, leaves records to avsc', () => {
  // Fails when requestEventSchema changes: update writeRequestEvent for it, then this fingerprint.
  assert.equal(plain.fingerprint('sha256').toString('hex'), WRITTEN_SCHEMA_SHA256);
  const newer = { ...requestEventSchema, fields: [...requestEventSchema.fields, { name: 'tlsVersion', type: ['null', 'string'], default: null }] };
  const newerPlain = avro.Type.forSchema(newer as unknown as Schema, { omitRecordMethods: true });
  const event = { ...fullRequest, tlsVersion: 'TLSv1.3' };
  assert.deepEqual(parseSchema(newer).toBuffer(event), newerPlain.toBuffer(event));
});

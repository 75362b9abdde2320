import { test } from 'node:test';
import assert from 'node:assert/strict';
import avro from 'avsc';
import type { Schema } from 'avsc';
import { parseSchema } from '../src/avro.js';
import { FramedWriter } from '../src/framed-writer.js';
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
  // Lengths around the 1- to 2-byte varint step (64 units), the fast path's limit (512) and beyond.
  const lengths = [0, 1, 2, 12, 63, 64, 65, 127, 128, 511, 512, 513, 1000, 70_000];
  const out: string[] = [];
  for (let n = 0; n < count; n++) {
    const length = lengths[n % lengths.length]!;
    const ascii = n % 3 !== 2;
    let text = '';
    while (text.length < length) text += ascii ? pools[0]!() : pools[Math.floor(next() * pools.length)]!();
    // A single non-ASCII unit at the very end: the fast path must give the string back whole.
    if (n % 7 === 3 && length > 0) text = text.slice(0, -1) + 'ü';
    out.push(text);
  }
  return out;
}

test('RequestEvents encode to the bytes avsc writes without our hooks, for ASCII and non-ASCII strings of every length', () => {
  const texts = strings(600);
  let checked = 0;
  for (const [i, text] of texts.entries()) {
    const event = {
      ...(i % 2 === 0 ? fullRequest : sparseRequest),
      clientIp: text,
      path: texts[(i + 1) % texts.length]!,
      userAgent: i % 5 === 0 ? null : texts[(i + 2) % texts.length]!,
      extra: { [text.slice(0, 10)]: texts[(i + 3) % texts.length]! },
      unlogged: [],
    };
    assert.deepEqual(ours.toBuffer(event), plain.toBuffer(event), `event ${i} (clientIp of ${text.length} units)`);
    checked++;
  }
  assert.equal(checked, 600);
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

test('a string field holding a non-string is refused as avsc refuses it', () => {
  const bad = { ...fullRequest, clientIp: 42 };
  assert.throws(() => plain.toBuffer(bad));
  assert.throws(() => ours.toBuffer(bad), /invalid "string": 42/);
  assert.equal(ours.isValid(bad), false);
  assert.equal(ours.isValid({ ...fullRequest, userAgent: 7 }), false);
});

/** Maps decoded with their keys matched against the previous read's: the same values as avsc's own reader, whatever the keys. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import avro from 'avsc';
import { parseSchema } from '../src/index.js';

const schema = { type: 'record', name: 'M', fields: [{ name: 'features', type: { type: 'map', values: 'double' } }, { name: 'extra', type: { type: 'map', values: 'string' } }] };
const fast = parseSchema(schema);
/** avsc's own reader (its records are instances of a generated class: compared spread). */
const plain = avro.Type.forSchema(schema as avro.Schema);

test('maps read back as written, as the keys change, keep their length but change bytes, or are not ASCII', () => {
  const values = [
    { features: { a: 1, bb: 2, ccc: 3 }, extra: {} },
    { features: { a: 4, bb: 5, ccc: 6 }, extra: { x: 'y' } },
    { features: { a: 7, bc: 8, ccc: 9 }, extra: { x: 'z' } },
    { features: { ccc: 1, a: 2 }, extra: { 'é': 'ü', 'e\u0301': 'u' } },
    { features: {}, extra: { 'é': 'ü' } },
    { features: { a: 1, bb: 2, ccc: 3, dddd: 4 }, extra: { y: 'x' } },
    // Longer than the positions kept per map type, twice: the keys past them are read afresh.
    { features: Object.fromEntries(Array.from({ length: 600 }, (_, i) => [`f${i}`, i])), extra: {} },
    { features: Object.fromEntries(Array.from({ length: 600 }, (_, i) => [`f${i % 7}-${i}`, -i])), extra: {} },
  ];
  for (const value of values) {
    const bytes = plain.toBuffer(value);
    assert.deepStrictEqual(fast.fromBuffer(bytes), { ...(plain.fromBuffer(bytes) as object) });
    assert.deepStrictEqual(fast.fromBuffer(bytes), value);
  }
});

test('a block with a negative count (followed by its size in bytes) reads as avsc reads it', () => {
  const keys = ['k1', 'k2'];
  const long = avro.Type.forSchema('long');
  const str = avro.Type.forSchema('string');
  const dbl = avro.Type.forSchema('double');
  const body = Buffer.concat(keys.flatMap((k, i) => [str.toBuffer(k), dbl.toBuffer(i + 0.5)]));
  const map = Buffer.concat([long.toBuffer(-keys.length), long.toBuffer(body.length), body, long.toBuffer(0)]);
  const bytes = Buffer.concat([map, long.toBuffer(0)]);
  assert.deepStrictEqual(fast.fromBuffer(bytes), { features: { k1: 0.5, k2: 1.5 }, extra: {} });
  assert.deepStrictEqual(fast.fromBuffer(bytes), { ...(plain.fromBuffer(bytes) as object) });
});

test('a truncated map is refused, as avsc refuses it', () => {
  const bytes = plain.toBuffer({ features: { alpha: 1 }, extra: {} });
  assert.throws(() => fast.fromBuffer(bytes.subarray(0, 4)), /truncated/);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSchema } from '../src/avro.js';
import { FramedWriter } from '../src/framed-writer.js';
import { frame, unframe } from '../src/wire-format.js';

const type = parseSchema({ type: 'record', name: 'Line', fields: [{ name: 'n', type: 'long' }, { name: 'text', type: 'string' }] });

test('framed records are the bytes frame(toBuffer) gives, across slab boundaries and past a slab', () => {
  const writer = new FramedWriter();
  const values = Array.from({ length: 3000 }, (_, n) => ({ n, text: 'x'.repeat((n * 37) % 300) }));
  // One record larger than a whole slab, in the middle of the others.
  values.splice(1500, 0, { n: -1, text: 'y'.repeat(200_000) });
  const written = values.map((value, i) => writer.write(7 + (i % 3), type, value));
  for (const [i, value] of values.entries()) {
    assert.deepEqual(written[i], frame(7 + (i % 3), type.toBuffer(value)), `record ${i}`);
    const { schemaId, payload } = unframe(written[i]!);
    assert.equal(schemaId, 7 + (i % 3));
    assert.deepEqual(type.fromBuffer(payload), value);
  }
});

test('a value the schema refuses throws and leaves the records written before it intact', () => {
  const writer = new FramedWriter();
  const first = writer.write(1, type, { n: 1, text: 'first' });
  const copy = Buffer.from(first);
  assert.throws(() => writer.write(1, type, { n: 'two', text: 'second' }));
  const third = writer.write(1, type, { n: 3, text: 'third' });
  assert.deepEqual(first, copy);
  assert.deepEqual(type.fromBuffer(unframe(third).payload), { n: 3, text: 'third' });
});

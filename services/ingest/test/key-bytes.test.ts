import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KeyBytes } from '../src/key-bytes.js';

test('keys are their UTF-8 bytes, each its own view, across slab boundaries and past a slab', () => {
  const keys = new KeyBytes();
  const texts = Array.from({ length: 3000 }, (_, i) => `203.0.113.${i % 256}|Mozilla/5.0 ${'x'.repeat(i % 200)} ${i % 7 === 0 ? 'naïve ☕ 😀' : ''}`);
  // A key longer than a whole slab, among the others, and an empty one.
  texts.splice(1500, 0, 'k'.repeat(70_000));
  texts.push('');
  const written = texts.map((text) => keys.of(text));
  for (const [i, text] of texts.entries()) {
    assert.deepEqual(written[i], Buffer.from(text, 'utf8'), `key ${i}`);
  }
});

/** digestHex against SHA-256 fed part by part: session ids and the feature-set fingerprint depend on it. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { digestHex } from '../src/hash.js';

function partByPart(parts: readonly string[], hexChars: number): string {
  const hash = createHash('sha256');
  parts.forEach((part, i) => {
    if (i > 0) hash.update('\u0000');
    hash.update(part);
  });
  return hash.digest('hex').slice(0, hexChars);
}

test('digestHex is the SHA-256 of the parts fed one by one, NUL between them', () => {
  const cases: string[][] = [
    ['shop', '10.0.0.1|Mozilla/5.0', '1733500000000'],
    ['shop', '10.0.0.1|Mozilla/5.0', '1733500000000', '2'],
    ['a', 'bc'],
    ['ab', 'c'],
    [''],
    ['', ''],
    ['bücher-café', '2001:db8::1|Mözilla ✓ 🚀', '0'],
    // Lone surrogates on both sides of a boundary: each still encodes on its own.
    ['x\uD83D', '\uDE80y'],
  ];
  for (const parts of cases) {
    for (const hexChars of [16, 32, 31]) assert.equal(digestHex(parts, hexChars), partByPart(parts, hexChars), JSON.stringify(parts));
  }
  assert.notEqual(digestHex(['a', 'bc']), digestHex(['ab', 'c']));
});

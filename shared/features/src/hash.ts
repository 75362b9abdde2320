/**
 * Small, fast, deterministic string hashes. Per-event work hashes paths instead of keeping them,
 * so session state stays bounded; these are not cryptographic and need not be.
 */
import { hash } from 'node:crypto';

export const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** One FNV-1a step over a UTF-16 code unit (the low and high byte both go in, so non-ASCII spreads). */
export function fnvStep(hash: number, code: number): number {
  hash = Math.imul(hash ^ (code & 0xff), FNV_PRIME);
  return code > 0xff ? Math.imul(hash ^ (code >>> 8), FNV_PRIME) : hash;
}

/** FNV-1a of a whole string, as an unsigned 32-bit integer. */
export function fnv1a(text: string): number {
  let hash = FNV_OFFSET;
  for (let i = 0; i < text.length; i++) hash = fnvStep(hash, text.charCodeAt(i));
  return hash >>> 0;
}

/**
 * MurmurHash3's finaliser: FNV's low bits are poorly mixed, and the path sketches take bucket
 * indices from low bits and ranks from the whole word, so each consumer mixes with its own seed.
 */
export function mix32(hash: number, seed: number): number {
  let h = (hash ^ seed) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * A stable hex digest of text parts (NUL-separated so `a|bc` and `ab|c` differ): SHA-256 of their
 * UTF-8. Joined and hashed in one call (the UTF-8 of the joined text is the parts' UTF-8 joined by
 * NUL bytes, as when each part was fed to a hash object), which takes a third less time than a
 * hash object: session ids are computed on every session update.
 */
export function digestHex(parts: readonly string[], hexChars = 32): string {
  // Hex of only the bytes needed: slicing the full hex would keep a slice and its 64-character parent.
  const hex = hash('sha256', parts.join('\u0000'), 'buffer').toString('hex', 0, Math.ceil(hexChars / 2));
  return hex.length === hexChars ? hex : hex.slice(0, hexChars);
}

/**
 * A small seeded PRNG, so that splits, shuffles and permutations are the same on every run with the
 * same seed (Math.random cannot be seeded, and TF.js' own shuffling uses it).
 */
export type Random = () => number;

/** mulberry32: 32-bit state, good enough to shuffle training rows, and tiny. */
export function seededRandom(seed: number): Random {
  let state = (Math.trunc(seed) ^ 0x9e3779b9) >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fisher–Yates, in place. */
export function shuffleInPlace<T>(items: T[], random: Random): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const tmp = items[i] as T;
    items[i] = items[j] as T;
    items[j] = tmp;
  }
  return items;
}

export function permutation(n: number, random: Random): number[] {
  return shuffleInPlace(
    Array.from({ length: n }, (_, i) => i),
    random,
  );
}

import { Rng } from '../shared/simulator/src/index.js';

/** Seeded uniform numbers in [0, 1): every run and every machine benchmarks the same input. */
export function seededRandom(seed: string): () => number {
  const rng = new Rng(seed);
  return () => rng.next();
}

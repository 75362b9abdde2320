/** Seeded synthetic data sets for the tests: no feature names are special to the package. */
import { seededRandom, type Random } from '../src/random.js';

export interface Synthetic {
  names: string[];
  rows: number[][];
  labels: number[];
  families: string[];
}

function gaussian(random: Random): number {
  // Box–Muller; 1 - u keeps log away from 0.
  const u = 1 - random();
  const v = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/**
 * Bots sit in two opposite corners of (a, b): a > 0.5 and b > 0.5 ("corner_hi"), or both < −0.5
 * ("corner_lo"); everything else is human. No single feature separates them (each alone has bots at
 * both of its ends), a small network does easily. Observations carry noise, plus three pure-noise
 * columns, one of them heavy-tailed like a request count.
 */
export function cornerData(n: number, seed: number): Synthetic {
  const random = seededRandom(seed);
  const names = ['a', 'b', 'noise_1', 'noise_2', 'noise_count'];
  const rows: number[][] = [];
  const labels: number[] = [];
  const families: string[] = [];
  for (let i = 0; i < n; i++) {
    const a = gaussian(random);
    const b = gaussian(random);
    const hi = a > 0.5 && b > 0.5;
    const lo = a < -0.5 && b < -0.5;
    labels.push(hi || lo ? 1 : 0);
    families.push(hi ? 'corner_hi' : lo ? 'corner_lo' : 'human');
    rows.push([
      a + 0.1 * gaussian(random),
      b + 0.1 * gaussian(random),
      gaussian(random),
      gaussian(random),
      Math.round(Math.exp(2 + 1.5 * gaussian(random))),
    ]);
  }
  return { names, rows, labels, families };
}

/**
 * One informative, heavy-tailed column (`signal`: bots make about ten times as many of it) and
 * noise columns on either side of it, so its position is no hint either.
 */
export function oneSignalData(n: number, seed: number, botShare = 0.25): Synthetic {
  const random = seededRandom(seed);
  const names = ['noise_a', 'noise_b', 'signal', 'noise_c'];
  const rows: number[][] = [];
  const labels: number[] = [];
  const families: string[] = [];
  for (let i = 0; i < n; i++) {
    const bot = random() < botShare;
    labels.push(bot ? 1 : 0);
    families.push(bot ? 'flood' : 'human');
    const signal = Math.round(Math.exp((bot ? 4.3 : 2) + 0.6 * gaussian(random)));
    rows.push([gaussian(random), Math.exp(gaussian(random)), signal, gaussian(random)]);
  }
  return { names, rows, labels, families };
}

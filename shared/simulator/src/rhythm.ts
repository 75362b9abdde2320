/**
 * When sessions begin: Poisson arrivals, for people modulated by the hour in the customer's
 * time zone (quiet at 4 am, busiest in the evening), for bots flat round the clock.
 */
import type { Rng } from './random.js';
import { HOUR, MINUTE } from './time.js';

/** Relative human traffic by local hour, 00:00 to 23:00 (an e-commerce day: evening peak). */
const HOURLY = [0.42, 0.28, 0.19, 0.15, 0.14, 0.18, 0.3, 0.55, 0.82, 1.02, 1.14, 1.2, 1.26, 1.22, 1.16, 1.15, 1.2, 1.32, 1.5, 1.68, 1.74, 1.58, 1.16, 0.72];
const HOURLY_MEAN = HOURLY.reduce((a, b) => a + b, 0) / HOURLY.length;

/** Human activity at an instant relative to the day's average (1), for a site `offsetMinutes` east of UTC. */
export function diurnal(epochMs: number, offsetMinutes: number): number {
  const local = epochMs + offsetMinutes * MINUTE;
  const hour = (((local % (24 * HOUR)) + 24 * HOUR) % (24 * HOUR)) / HOUR;
  // Linear between hour midpoints, so the rate has no steps at the full hours.
  const x = hour - 0.5;
  const i = Math.floor(x);
  const frac = x - i;
  const a = HOURLY[(i + 24) % 24] as number;
  const b = HOURLY[(i + 25) % 24] as number;
  return (a + (b - a) * frac) / HOURLY_MEAN;
}

export const DIURNAL_MAX = Math.max(...HOURLY) / HOURLY_MEAN;

/** The average of `diurnal` over [start, end), by the minute. */
export function meanDiurnal(start: number, end: number, offsetMinutes: number): number {
  const steps = Math.max(1, Math.min(10_000, Math.ceil((end - start) / MINUTE)));
  let sum = 0;
  for (let i = 0; i < steps; i++) sum += diurnal(start + ((i + 0.5) * (end - start)) / steps, offsetMinutes);
  return sum / steps;
}

/**
 * Arrival times of a Poisson process with rate `rate(t)` per ms, never above `maxRate`, by
 * thinning: candidates at the maximum rate, each kept with probability rate(t) / maxRate.
 */
export class Arrivals {
  private time: number;

  constructor(
    private readonly rng: Rng,
    start: number,
    private readonly end: number,
    private readonly maxRate: number,
    private readonly rate: (t: number) => number,
  ) {
    this.time = start;
  }

  /** The next arrival, or null once past the end. */
  next(): number | null {
    if (!(this.maxRate > 0)) return null;
    for (;;) {
      this.time += this.rng.exponential(1 / this.maxRate);
      if (this.time >= this.end) return null;
      if (this.rng.next() * this.maxRate < this.rate(this.time)) return Math.floor(this.time);
    }
  }
}

/** weir's sketch (GrowingStore bins) against the library's DDSketch: the same pairs, so the same quantiles. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DDSketch } from '@datadog/sketches-js';
import { newSketch, sketchAdd, sketchClone, sketchMad, sketchMerge, sketchState, SKETCH_ZERO, type Sketch, type SketchState } from '../src/sketch.js';
import { prng } from './helpers.js';

const QUANTILES = [0, 0.001, 0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99, 1];

/** The library sketch's bins in sketchState's form. */
function libraryState(sketch: DDSketch): SketchState {
  const pairs = (store: DDSketch['store']) => store.bins.flatMap((count, i) => (count > 0 ? [store.offset + i, count] : []));
  return { accuracy: sketch.mapping.relativeAccuracy, zero: sketch.zeroCount, positive: pairs(sketch.store), negative: pairs(sketch.negativeStore) };
}

function assertSame(ours: Sketch, library: DDSketch, what: string): void {
  assert.deepEqual(sketchState(ours), libraryState(library), what);
  assert.equal(ours.count, library.count, what);
  for (const q of QUANTILES) assert.equal(ours.getValueAtQuantile(q), library.getValueAtQuantile(q), `${what}: quantile ${q}`);
}

function libraryAdd(sketch: DDSketch, value: number): void {
  sketch.accept(Math.abs(value) < SKETCH_ZERO ? 0 : value);
}

/** Values of many magnitudes, both signs and zeros, in the orders that move a store's range most. */
function orders(seed: number): Array<[string, number[]]> {
  const random = prng(seed);
  const values: number[] = [];
  for (let i = 0; i < 4000; i++) values.push(i % 50 === 0 ? 0 : (random() - 0.2) * 10 ** Math.floor(random() * 14 - 5));
  return [
    ['shuffled', values],
    ['rising', [...values].sort((a, b) => a - b)],
    ['falling', [...values].sort((a, b) => b - a)],
  ];
}

test('a sketch holds the bins and gives the quantiles of the library DDSketch fed the same values', () => {
  for (const [order, values] of orders(21)) {
    const ours = newSketch(0.01);
    const library = new DDSketch({ relativeAccuracy: 0.01 });
    values.forEach((v, i) => {
      sketchAdd(ours, v);
      libraryAdd(library, v);
      if (i % 397 === 0) assertSame(ours, library, `${order}, after ${i + 1} values`);
    });
    assertSame(ours, library, order);
  }
  assert.ok(Number.isNaN(newSketch(0.01).getValueAtQuantile(0.5)), 'an empty sketch has no quantiles');
});

test('merged and cloned sketches hold the bins the library DDSketch gets from the same values', () => {
  const [[, values]] = orders(22) as [[string, number[]]];
  const parts: Sketch[] = [newSketch(0.02), newSketch(0.02), newSketch(0.02)];
  const library = new DDSketch({ relativeAccuracy: 0.02 });
  for (const v of values) {
    // Each part sees other magnitudes first, so merges extend the ranges both ways.
    sketchAdd(parts[Math.abs(Math.floor(Math.log10(Math.abs(v) + 1e-12))) % 3]!, v);
    libraryAdd(library, v);
  }
  const merged = newSketch(0.02);
  for (const part of [parts[2]!, parts[0]!, parts[1]!]) sketchMerge(merged, sketchClone(part));
  assertSame(merged, library, 'merged');
  // A clone takes only the keys in use; adding past them on either side grows it correctly.
  const clone = sketchClone(parts[1]!);
  for (const v of [1e-8, 1e11, -1e-8, -1e11, 3, -3]) {
    sketchAdd(clone, v);
    sketchAdd(parts[1]!, v);
  }
  assert.deepEqual(sketchState(clone), sketchState(parts[1]!));
  // Merged into itself: every bin and the count doubled, as merging an equal copy does.
  const twice = sketchClone(parts[1]!);
  sketchMerge(twice, sketchClone(parts[1]!));
  const self = sketchClone(parts[1]!);
  sketchMerge(self, self);
  assert.deepEqual(sketchState(self), sketchState(twice));
  assert.equal(self.count, 2 * parts[1]!.count);
});

/** The MAD as it was first written: every bin's deviation collected, sorted, then counted. */
function sortedMad(sketch: Sketch, median: number): number {
  const state = sketchState(sketch);
  const deviations: Array<[number, number]> = [];
  if (state.zero > 0) deviations.push([Math.abs(median), state.zero]);
  for (let i = 0; i < state.positive.length; i += 2) deviations.push([Math.abs(sketch.mapping.value(state.positive[i]!) - median), state.positive[i + 1]!]);
  for (let i = 0; i < state.negative.length; i += 2) deviations.push([Math.abs(-sketch.mapping.value(state.negative[i]!) - median), state.negative[i + 1]!]);
  deviations.sort((a, b) => a[0] - b[0]);
  const rank = 0.5 * (sketch.count - 1);
  let seen = 0;
  for (const [deviation, count] of deviations) {
    seen += count;
    if (seen > rank) return deviation;
  }
  return deviations[deviations.length - 1]![0];
}

test('the MAD walked outwards from the median equals the MAD of the sorted deviations', () => {
  const random = prng(23);
  for (let round = 0; round < 300; round++) {
    const sketch = newSketch(0.01);
    const size = 1 + Math.floor(random() * 200);
    const negativeShare = [0, 0.3, 0.7, 1][round % 4]!;
    for (let i = 0; i < size; i++) {
      const magnitude = 10 ** Math.floor(random() * 8 - 3);
      const value = random() < 0.1 ? 0 : (random() < negativeShare ? -1 : 1) * random() * magnitude;
      // Repeats make ties of equal deviations on both sides of the median.
      for (let k = random() < 0.2 ? 3 : 1; k > 0; k--) sketchAdd(sketch, value);
    }
    const median = sketch.getValueAtQuantile(0.5);
    for (const m of [median, 0, sketch.getValueAtQuantile(0.1), sketch.getValueAtQuantile(0.9), -1e9, 1e9, median + 0.5]) {
      assert.equal(sketchMad(sketch, m), sortedMad(sketch, m), `round ${round}, median ${m}`);
    }
  }
  assert.ok(Number.isNaN(sketchMad(newSketch(0.01), 0)));
});

/** The window stage's hot-path shortcuts against the general code they replace. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { exactAdd, exactProduct, exactSquareError, exactValue } from '../src/exact-sum.js';
import { FeatureAggregate } from '../src/feature-aggregate.js';
import { aggregateFromRecord, aggregateRecord } from '../src/window-partial.js';
import { newSketch, sketchAdd, sketchClone, sketchMerge, sketchState } from '../src/sketch.js';
import { prng } from './helpers.js';

test('exactSquareError is the error half of exactProduct(a, a)', () => {
  const random = prng(11);
  const values = [0, 1, -1, 0.1, 1e-300, 1e150, -3.7e-9, Number.MIN_VALUE, 2 ** 27 + 1];
  for (let i = 0; i < 5000; i++) values.push((random() - 0.5) * 10 ** Math.floor(random() * 40 - 20));
  for (const v of values) assert.equal(Object.is(exactSquareError(v), exactProduct(v, v)[1]), true, `value ${v}`);
});

test('a cloned sketch has the bins, counts and quantiles of its source and is independent of it', () => {
  const random = prng(12);
  const source = newSketch(0.01);
  for (let i = 0; i < 3000; i++) sketchAdd(source, (random() - 0.3) * 10 ** Math.floor(random() * 8 - 3));
  const clone = sketchClone(source);
  // What the clone was before: a fresh sketch with the source's bins merged in.
  const merged = newSketch(0.01);
  sketchMerge(merged, source);
  assert.deepEqual(sketchState(clone), sketchState(merged));
  assert.equal(clone.count, merged.count);
  for (const q of [0, 0.01, 0.25, 0.5, 0.75, 0.99, 1]) assert.equal(clone.getValueAtQuantile(q), merged.getValueAtQuantile(q));
  const before = sketchState(source);
  for (let i = 0; i < 500; i++) {
    const v = (random() - 0.5) * 10 ** Math.floor(random() * 12 - 4);
    sketchAdd(clone, v);
    sketchAdd(merged, v);
  }
  assert.deepEqual(sketchState(source), before, 'adding to the clone leaves the source alone');
  assert.deepEqual(sketchState(clone), sketchState(merged));
});

test('a cloned aggregate gives the same statistics as its source after the same adds', () => {
  const random = prng(13);
  const source = new FeatureAggregate();
  for (let i = 0; i < 1000; i++) source.add(random() * 100 - 10);
  const clone = source.clone();
  const rebuilt = FeatureAggregate.fromState(source.state());
  for (let i = 0; i < 200; i++) {
    const v = random() * 1e6;
    clone.add(v);
    rebuilt.add(v);
  }
  assert.deepEqual(clone.stats(), rebuilt.stats());
  assert.notDeepEqual(clone.stats(), source.stats());
});

test('exact sums hold the exact total of what was added, in any order', () => {
  const random = prng(14);
  // Integers scaled by powers of two: their exact sum is known with BigInt arithmetic.
  const values: number[] = [];
  for (let i = 0; i < 3000; i++) values.push(Math.round((random() - 0.5) * 2 ** 40) * 2 ** Math.floor(random() * 60 - 30));
  values.push(1e100, -1e100, 2 ** -30, 3);
  const scale = 2 ** 30;
  const exact = values.reduce((sum, v) => sum + BigInt(v * scale), 0n);
  const forward: number[] = [];
  for (const v of values) exactAdd(forward, v);
  const backward: number[] = [];
  for (const v of [...values].reverse()) exactAdd(backward, v);
  assert.equal(exactValue(forward), exactValue(backward));
  assert.equal(forward.reduce((sum, p) => sum + BigInt(p * scale), 0n), exact, 'the partials sum exactly to the total');
  assert.equal(exactValue(forward), Number(exact) / scale);
});

test('merging an aggregate record gives what merging the aggregate rebuilt from it gives', () => {
  const random = prng(15);
  const fill = (count: number, scale: number) => {
    const aggregate = new FeatureAggregate();
    for (let i = 0; i < count; i++) aggregate.add((random() - 0.4) * scale * 10 ** Math.floor(random() * 6 - 3));
    return aggregate;
  };
  for (const [into, from] of [
    [fill(300, 1), fill(200, 1e4)],
    [fill(0, 1), fill(50, 1)],
    [fill(40, 1e-6), fill(0, 1)],
  ] as const) {
    const record = aggregateRecord(from);
    const viaRecord = into.clone();
    viaRecord.mergeRecord(record);
    const viaAggregate = into.clone();
    viaAggregate.merge(aggregateFromRecord(record));
    assert.deepEqual(viaRecord.state(), viaAggregate.state());
    if (viaRecord.n > 0) assert.deepEqual(viaRecord.stats(), viaAggregate.stats());
  }
});

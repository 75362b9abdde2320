import { test } from 'node:test';
import assert from 'node:assert/strict';
import { occlusionAttributions } from '../src/reasons.js';

const names = ['a', 'z_a', 'b', 'c'];
const weights = [2, 1, -1, 0.5];
/** A logistic model over standardised columns, counting the rows it is asked to score. */
function logistic() {
  const calls = { rows: 0 };
  const predict = (data: Float32Array) => {
    const out = new Float64Array(data.length / names.length);
    for (let r = 0; r < out.length; r++) {
      let logit = 0;
      for (let c = 0; c < names.length; c++) logit += (weights[c] as number) * (data[r * names.length + c] as number);
      out[r] = 1 / (1 + Math.exp(-logit));
    }
    calls.rows += out.length;
    return out;
  };
  return { predict, calls };
}
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

test('occlusion per column: each push is the score drop with that column at its mean, shares sum to 1', () => {
  const { predict, calls } = logistic();
  const row = Float32Array.from([1, 0.5, -1, 2]);
  const [reasons] = occlusionAttributions(predict, row, [[10, 0.5, 3, 7]], names, 10);
  assert.equal(calls.rows, names.length + 1);
  const base = sigmoid(2 + 0.5 + 1 + 1);
  assert.deepEqual(reasons!.map((r) => r.feature), ['a', 'b', 'c', 'z_a']);
  assert.ok(Math.abs(reasons![0]!.delta - (base - sigmoid(0.5 + 1 + 1))) < 1e-6);
  assert.ok(Math.abs(reasons!.reduce((sum, r) => sum + r.contribution, 0) - 1) < 1e-9);
});

test('grouped occlusion: a feature and its z occluded together, reported once with the raw value, one variant per group', () => {
  const { predict, calls } = logistic();
  const row = Float32Array.from([1, 0.5, -1, 2]);
  const [reasons] = occlusionAttributions(predict, row, [[10, 0.5, 3, 7]], names, 10, (column) => column.replace(/^z_/, ''));
  assert.equal(calls.rows, 3 + 1, 'groups a, b, c and the row itself');
  const base = sigmoid(2 + 0.5 + 1 + 1);
  const a = reasons!.find((r) => r.feature === 'a')!;
  assert.ok(Math.abs(a.delta - (base - sigmoid(1 + 1))) < 1e-6, 'both columns of a at their mean');
  assert.equal(a.value, 10, "the raw value of the column named like the group");
  assert.deepEqual(reasons!.map((r) => r.feature), ['a', 'b', 'c']);
});

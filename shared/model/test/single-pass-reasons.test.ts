/**
 * Single-pass reasons: tree Shapley values are the exact Shapley values of the "column from the row
 * or from the mean" game (checked against enumerating every coalition), gradient × input is the
 * network's true gradient (checked against finite differences), and on a sample the reasons agree
 * with occlusion's for every model family.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_FAMILY_SETTINGS, fitFamily } from '../src/families.js';
import { denseLayersOf, gradientTimesInput } from '../src/gradient-attribution.js';
import { buildNetwork } from '../src/network.js';
import { ModelPipeline } from '../src/pipeline.js';
import { seededRandom } from '../src/random.js';
import { reasonAgreement } from '../src/reasons.js';
import { treeShapley } from '../src/tree-attribution.js';
import { boostTrees, treeMargins } from '../src/trees.js';
import type { ModelFamily } from '../src/manifest.js';

const WIDTH = 6;
/** Log-odds weights of the label: strong, medium, weak, and a pure-noise column; plus an interaction of 4 and 5. */
const WEIGHTS = [2.5, -1.5, 0.8, 0, 1.2, 1.2];

function gaussian(random: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

function dataset(n: number, seed: number): { x: Float32Array; labels: number[] } {
  const random = seededRandom(seed);
  const x = new Float32Array(n * WIDTH);
  const labels: number[] = [];
  for (let r = 0; r < n; r++) {
    let logit = -1;
    for (let c = 0; c < WIDTH; c++) {
      const v = gaussian(random);
      x[r * WIDTH + c] = v;
      if (c < 4) logit += (WEIGHTS[c] as number) * v;
    }
    logit += 1.5 * (x[r * WIDTH + 4] as number) * (x[r * WIDTH + 5] as number);
    labels.push(random() < 1 / (1 + Math.exp(-logit)) ? 1 : 0);
  }
  return { x, labels };
}

const identity = Int32Array.from({ length: WIDTH }, (_, c) => c);
const names = Array.from({ length: WIDTH }, (_, c) => `f${c}`);

/** Shapley values by definition: every coalition of columns taken from the row, the rest at 0. */
function bruteForceShapley(margin: (row: Float32Array) => number, row: Float32Array): number[] {
  const n = row.length;
  const valueOf = new Float64Array(1 << n);
  for (let mask = 0; mask < 1 << n; mask++) {
    const mixed = row.map((v, c) => (mask & (1 << c) ? v : 0));
    valueOf[mask] = margin(mixed);
  }
  const factorial = (k: number): number => (k <= 1 ? 1 : k * factorial(k - 1));
  return Array.from({ length: n }, (_, i) => {
    let phi = 0;
    for (let mask = 0; mask < 1 << n; mask++) {
      if (mask & (1 << i)) continue;
      let size = 0;
      for (let c = 0; c < n; c++) if (mask & (1 << c)) size++;
      const weight = (factorial(size) * factorial(n - size - 1)) / factorial(n);
      phi += weight * ((valueOf[mask | (1 << i)] as number) - (valueOf[mask] as number));
    }
    return phi;
  });
}

test('tree Shapley values equal the Shapley values of the ensemble by enumeration, and sum to margin(row) − margin(mean)', () => {
  const { x, labels } = dataset(600, 3);
  const ensemble = boostTrees({ data: x, width: WIDTH, labels, weights: labels.map(() => 1), rounds: 40, spec: { ...DEFAULT_FAMILY_SETTINGS.trees, depth: 4 } });
  const rows = x.subarray(0, 20 * WIDTH);
  const phi = treeShapley(ensemble, rows, identity, WIDTH);
  const margin = (row: Float32Array) => treeMargins(ensemble, row)[0] as number;
  const referenceMargin = margin(new Float32Array(WIDTH));
  for (let r = 0; r < 20; r++) {
    const row = rows.slice(r * WIDTH, (r + 1) * WIDTH);
    const expected = bruteForceShapley(margin, row);
    const got = Array.from(phi.subarray(r * WIDTH, (r + 1) * WIDTH));
    got.forEach((value, c) => assert.ok(Math.abs(value - (expected[c] as number)) < 1e-9, `row ${r} column ${c}: ${value} vs ${expected[c]}`));
    const sum = got.reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(sum - (margin(row) - referenceMargin)) < 1e-9, `row ${r}: efficiency`);
  }
});

test('tree Shapley values of grouped columns equal the Shapley values of the groups as players', () => {
  const { x, labels } = dataset(600, 4);
  const ensemble = boostTrees({ data: x, width: WIDTH, labels, weights: labels.map(() => 1), rounds: 30, spec: DEFAULT_FAMILY_SETTINGS.trees });
  const playerOf = Int32Array.from([0, 1, 1, 2, 3, 3]);
  const row = x.slice(0, WIDTH);
  const phi = treeShapley(ensemble, row, playerOf, 4);
  const expand = (mixed: Float32Array) => Float32Array.from(playerOf, (p, c) => (mixed[p] === 0 ? 0 : (row[c] as number)));
  // A game over 4 players: player p "present" when its marker is 1.
  const expected = bruteForceShapley((markers) => treeMargins(ensemble, expand(markers))[0] as number, Float32Array.from([1, 1, 1, 1]));
  expected.forEach((value, p) => assert.ok(Math.abs((phi[p] as number) - value) < 1e-9, `player ${p}: ${phi[p]} vs ${value}`));
});

test('gradient × input: the true gradient of the log-odds (finite differences) times the input, per player', async () => {
  const model = buildNetwork(WIDTH, { hidden: [8, 4], l2: 0 }, 11);
  try {
    const layers = denseLayersOf(model);
    assert.ok(layers, 'a Dense stack');
    const random = seededRandom(5);
    const row = Float32Array.from({ length: WIDTH }, () => gaussian(random));
    const logit = (input: Float64Array): number => {
      let h = Array.from(input);
      layers.forEach((layer, l) => {
        const next = Array.from(layer.bias, Number);
        for (let i = 0; i < layer.inputs; i++) for (let u = 0; u < layer.units; u++) next[u]! += (h[i] as number) * (layer.kernel[i * layer.units + u] as number);
        h = l === layers.length - 1 ? next : next.map((v) => Math.max(0, v));
      });
      return h[0] as number;
    };
    const got = gradientTimesInput(layers, row, identity, WIDTH);
    for (let c = 0; c < WIDTH; c++) {
      const up = Float64Array.from(row);
      const down = Float64Array.from(row);
      up[c] = (up[c] as number) + 1e-5;
      down[c] = (down[c] as number) - 1e-5;
      const gradient = (logit(up) - logit(down)) / 2e-5;
      assert.ok(Math.abs((got[c] as number) - gradient * (row[c] as number)) < 1e-4, `column ${c}: ${got[c]} vs ${gradient * (row[c] as number)}`);
    }
    const grouped = gradientTimesInput(layers, row, Int32Array.from([0, 0, 1, 1, 1, 2]), 3);
    assert.ok(Math.abs((grouped[0] as number) - ((got[0] as number) + (got[1] as number))) < 1e-12);
  } finally {
    model.dispose();
  }
});

async function trainedPipeline(family: ModelFamily, x: Float32Array, labels: number[]): Promise<ModelPipeline> {
  const iterations = family === 'trees' ? 80 : 150;
  const artifacts = await fitFamily(family, { x, width: WIDTH, labels, weights: labels.map(() => 1), iterations, seed: 1 }, DEFAULT_FAMILY_SETTINGS);
  return ModelPipeline.create(
    {
      created: '2026-01-01T00:00:00.000Z',
      fingerprint: 'test',
      features: names.map((name) => ({ name, transform: 'identity', mean: 0, std: 1 })),
      clip: 10,
      thresholds: { suspicious: 0.5, bot: 0.8 },
      family,
      training: null,
      validation: null,
    },
    artifacts,
  );
}

for (const [family, method, floor] of [
  ['logistic', 'gradient-x-input', { top1: 0.99, topK: 0.99 }],
  ['mlp', 'gradient-x-input', { top1: 0.7, topK: 0.75 }],
  ['trees', 'tree-shapley', { top1: 0.7, topK: 0.75 }],
] as const) {
  test(`${family}: single-pass reasons (${method}) agree with occlusion's on a sample of flagged rows`, { timeout: 120_000 }, async (t) => {
    const { x, labels } = dataset(1500, 7);
    const pipeline = await trainedPipeline(family, x, labels);
    try {
      assert.equal(pipeline.reasonMethod, method);
      const rows: number[][] = [];
      const scores = pipeline.scoreStandardised(x);
      for (let r = 0; r < labels.length && rows.length < 300; r++) {
        if ((scores[r] as number) >= 0.5) rows.push(Array.from(x.subarray(r * WIDTH, (r + 1) * WIDTH)));
      }
      assert.ok(rows.length >= 100, `enough flagged rows (${rows.length})`);
      const single = pipeline.reasonsBatch(rows, 3);
      const occlusion = pipeline.occlusionReasonsBatch(rows, 3);
      assert.ok(single.every((reasons) => reasons.length > 0), 'every flagged row has a reason');
      for (const reasons of single) {
        assert.ok(reasons.every((a, i) => a.contribution > 0 && a.contribution <= 1 && (i === 0 || a.contribution <= reasons[i - 1]!.contribution)), 'shares of the upward push, largest first');
      }
      const agreement = reasonAgreement(single, occlusion, 3);
      t.diagnostic(`${family}: ${agreement.rows} rows, top-1 agreement ${agreement.top1.toFixed(3)}, top-3 overlap ${agreement.topK.toFixed(3)}`);
      assert.ok(agreement.top1 >= floor.top1, `top-1 agreement ${agreement.top1}`);
      assert.ok(agreement.topK >= floor.topK, `top-3 overlap ${agreement.topK}`);
      // The noise column never leads.
      assert.ok(single.filter((reasons) => reasons[0]?.feature === 'f3').length <= rows.length * 0.02);
    } finally {
      pipeline.dispose();
    }
  });
}

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyCalibration, fitPlatt } from '../src/calibration.js';
import { assignFolds, chooseThresholds, trainCrossValidated } from '../src/cross-validate.js';
import { loadModelPipeline, saveModelPipeline } from '../src/persist.js';
import { seededRandom } from '../src/random.js';
import { cornerData, oneSignalData } from './synthetic.js';

test('folds by session: every row in exactly one fold, each class and family spread over all folds', () => {
  const data = cornerData(203, 3);
  const folds = assignFolds(data.labels, data.families, 5, 'session', 7);
  for (let f = 0; f < 5; f++) {
    const members = [...folds.keys()].filter((i) => folds[i] === f);
    const bots = members.filter((i) => data.labels[i] === 1).length;
    const allBots = data.labels.filter((y) => y === 1).length;
    assert.ok(Math.abs(members.length - 203 / 5) <= 2, `fold ${f} has ${members.length} rows`);
    assert.ok(Math.abs(bots - allBots / 5) <= 2, `fold ${f} has ${bots} of ${allBots} bots`);
  }
  assert.deepEqual([...assignFolds(data.labels, data.families, 5, 'session', 7)], [...folds], 'seeded');
});

test('folds by time: consecutive blocks of start time', () => {
  const times = Array.from({ length: 50 }, (_, i) => (i * 7919) % 50); // a shuffled 0..49
  const labels = times.map((t) => t % 2);
  const folds = assignFolds(labels, undefined, 5, 'time', 1, times);
  times.forEach((t, i) => assert.equal(folds[i], Math.floor(t / 10), `time ${t}`));
});

test('Platt scaling recovers a known logistic distortion', () => {
  const random = seededRandom(11);
  const scores: number[] = [];
  const labels: number[] = [];
  for (let i = 0; i < 4000; i++) {
    const z = 6 * random() - 3;
    scores.push(1 / (1 + Math.exp(-z)));
    // True probability σ(0.5 z − 1): the raw scores are overconfident and shifted.
    labels.push(random() < 1 / (1 + Math.exp(-(0.5 * z - 1))) ? 1 : 0);
  }
  const c = fitPlatt(scores, labels);
  assert.ok(Math.abs(c.a - 0.5) < 0.1 && Math.abs(c.b + 1) < 0.15, `a=${c.a} b=${c.b}`);
  const calibrated = applyCalibration(c, Float64Array.from(scores));
  assert.ok(calibrated.every((p) => p > 0 && p < 1));
});

test('thresholds: max F1 on separable scores falls between the classes; a flag-rate cap holds', () => {
  const scores = [0.1, 0.2, 0.3, 0.35, 0.7, 0.8, 0.9];
  const labels = [0, 0, 0, 0, 1, 1, 1];
  const t = chooseThresholds(scores, labels, { kind: 'max-f1' });
  assert.ok(t.bot > 0.35 && t.bot <= 0.7, `bot ${t.bot}`);
  assert.ok(t.suspicious <= t.bot);
  const noisy = [0.1, 0.6, 0.65, 0.7, 0.8, 0.9, 0.95, 0.97];
  const noisyLabels = [0, 0, 0, 1, 1, 0, 1, 1];
  const capped = chooseThresholds(noisy, noisyLabels, { kind: 'max-human-flag-rate', rate: 0.25 });
  const humans = noisy.filter((_, i) => noisyLabels[i] === 0);
  const flagged = humans.filter((s) => s >= capped.suspicious).length / humans.length;
  assert.ok(flagged <= 0.25, `humans flagged ${flagged} at ${capped.suspicious}`);
  assert.equal(capped.bot, Math.max(capped.suspicious, 0.5), 'bot is the capped threshold, never below even odds');
});

test('cross-validated training picks a family by out-of-fold loss, stores calibrated thresholds, and every family saves and loads', { timeout: 300_000 }, async () => {
  const data = oneSignalData(240, 5);
  const names = data.names;
  const dir = mkdtempSync(join(tmpdir(), 'weir-cv-'));
  for (const family of ['logistic', 'mlp', 'trees'] as const) {
    const result = await trainCrossValidated({
      names,
      rows: data.rows,
      labels: data.labels,
      families: data.families,
      fingerprint: 'fs-test',
      folds: 4,
      candidates: [family],
      seed: 3,
    });
    const { pipeline, summary } = result;
    assert.equal(pipeline.family, family);
    assert.equal(summary.chosen, family);
    assert.deepEqual(pipeline.thresholds, summary.thresholds);
    assert.ok(summary.pooled.accuracy >= 0.9, `${family}: pooled out-of-fold accuracy ${summary.pooled.accuracy}`);
    assert.ok((summary.pooled.rocAuc ?? 0) >= 0.95, `${family}: ROC AUC ${summary.pooled.rocAuc}`);
    assert.equal(result.oofScores.length, data.rows.length);
    assert.ok(result.oofScores.every((s) => s >= 0 && s <= 1));
    const out = join(dir, family);
    await saveModelPipeline(pipeline, out);
    assert.equal(existsSync(join(out, 'trees.json')), family === 'trees');
    assert.equal(existsSync(join(out, 'model.json')), family !== 'trees');
    const manifest = JSON.parse(readFileSync(join(out, 'pipeline.json'), 'utf8')) as { family: string; calibration: { method: string } };
    assert.equal(manifest.family, family);
    assert.equal(manifest.calibration.method, 'platt');
    const loaded = await loadModelPipeline(out);
    assert.equal(loaded.version, pipeline.version);
    assert.deepEqual([...loaded.scoreBatch(data.rows.slice(0, 20))], [...pipeline.scoreBatch(data.rows.slice(0, 20))]);
    // Calibrated: a session scored above the bot threshold is a bot far more often than not.
    const scores = pipeline.scoreBatch(data.rows);
    const flagged = [...scores.keys()].filter((i) => (scores[i] as number) >= pipeline.thresholds.bot);
    assert.ok(flagged.filter((i) => data.labels[i] === 1).length / flagged.length >= 0.9);
    pipeline.dispose();
    loaded.dispose();
  }
  // One directory, a network model replaced by trees: no stale network files stay behind.
  const reused = join(dir, 'logistic');
  await saveModelPipeline(await loadModelPipeline(join(dir, 'trees')), reused);
  assert.deepEqual([existsSync(join(reused, 'model.json')), existsSync(join(reused, 'weights.bin')), existsSync(join(reused, 'trees.json'))], [false, false, true]);
  const auto = await trainCrossValidated({ names, rows: data.rows, labels: data.labels, fingerprint: 'fs-test', folds: 3, seed: 1 });
  assert.deepEqual(auto.summary.familyResults.map((r) => r.family), ['logistic', 'mlp', 'trees']);
  const best = Math.min(...auto.summary.familyResults.map((r) => r.calibratedLogLoss));
  assert.equal(auto.summary.familyResults.find((r) => r.family === auto.summary.chosen)?.calibratedLogLoss, best);
  auto.pipeline.dispose();
});

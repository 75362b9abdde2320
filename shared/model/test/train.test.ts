import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  classificationMetrics,
  confusionMatrix,
  loadModelPipeline,
  rocAuc,
  saveModelPipeline,
  trainModel,
  type EpochLogs,
} from '../src/index.js';
import { cornerData, oneSignalData } from './synthetic.js';

describe('training', () => {
  it('learns what no single feature shows, far above trivial baselines, and keeps validation metrics', async () => {
    const train = cornerData(1500, 1);
    const test = cornerData(2000, 2);
    const epochs: EpochLogs[] = [];
    const pipeline = await trainModel({
      names: train.names,
      rows: train.rows,
      labels: train.labels,
      families: train.families,
      fingerprint: 'features@1',
      seed: 7,
      epochs: 60,
      validationSplit: 0.2,
      onEpoch: (epoch, logs) => {
        assert.equal(epoch, epochs.length + 1);
        epochs.push(logs);
      },
    });
    try {
      const scores = pipeline.scoreBatch(test.rows);
      const auc = rocAuc(scores, test.labels) ?? 0;
      // Trivial baselines: the majority class (a constant score) and the best single-feature threshold.
      const majority = rocAuc(new Float64Array(test.rows.length).fill(0), test.labels) ?? 0;
      const singleFeature = Math.max(
        ...test.names.map((_, c) => {
          const a = rocAuc(test.rows.map((r) => r[c] as number), test.labels) ?? 0.5;
          return Math.max(a, 1 - a);
        }),
      );
      assert.ok(auc >= 0.95, `model AUC ${auc}`);
      assert.equal(majority, 0.5);
      assert.ok(singleFeature <= 0.6, `best single feature AUC ${singleFeature}`);
      const f1 = classificationMetrics(confusionMatrix(scores, test.labels, pipeline.thresholds.bot)).bot.f1;
      assert.ok(f1 >= 0.75, `bot F1 ${f1} (the majority class scores 0)`);

      const { training, validation } = pipeline.manifest;
      assert.ok(training && validation);
      assert.equal(training.rows, 1500);
      assert.equal(training.trainRows + training.validationRows, 1500);
      assert.deepEqual(Object.keys(training.families ?? {}).sort(), ['corner_hi', 'corner_lo', 'human']);
      assert.ok(training.classWeights.bot > training.classWeights.human, 'the minority class weighs more');
      assert.equal(training.epochsRun, epochs.length);
      assert.ok(training.bestEpoch <= training.epochsRun);
      assert.equal(epochs.filter((e) => e.best).at(-1)?.epoch, training.bestEpoch);
      assert.ok((validation.rocAuc ?? 0) >= 0.95, `validation AUC ${validation.rocAuc}`);
      assert.equal(validation.loss, Math.min(...epochs.map((e) => e.valLoss)));
      // Stratified: both bot families are in validation, with their share kept.
      assert.deepEqual(Object.keys(validation.recallByFamily ?? {}).sort(), ['corner_hi', 'corner_lo']);
      assert.ok(Math.abs(validation.positives / validation.rows - training.positives / training.rows) < 0.01);
      // The heavy-tailed noise column got the signed log.
      assert.equal(pipeline.manifest.features.find((f) => f.name === 'noise_count')?.transform, 'slog1p');
      assert.equal(pipeline.manifest.features.find((f) => f.name === 'a')?.transform, 'identity');

      const dir = await mkdtemp(join(tmpdir(), 'weir-trained-'));
      try {
        await saveModelPipeline(pipeline, dir);
        const loaded = await loadModelPipeline(dir, { fingerprint: 'features@1' });
        const again = loaded.scoreBatch(test.rows);
        scores.forEach((s, i) => assert.ok(Math.abs(s - (again[i] as number)) <= 1e-6));
        assert.deepEqual(loaded.manifest.validation, validation);
        loaded.dispose();
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    } finally {
      pipeline.dispose();
    }
  });

  it('is deterministic for a seed on the cpu backend', async () => {
    const data = oneSignalData(500, 5);
    const options = { ...data, fingerprint: 'f', seed: 3, epochs: 8 };
    const a = await trainModel(options);
    const b = await trainModel(options);
    const c = await trainModel({ ...options, seed: 4 });
    assert.equal(a.version, b.version);
    assert.deepEqual(a.scoreBatch(data.rows), b.scoreBatch(data.rows));
    assert.notEqual(a.version, c.version);
    [a, b, c].forEach((p) => p.dispose());
  });

  it('copes with a rare bot class and names the informative feature as the reason', async () => {
    const train = oneSignalData(2000, 11, 0.06);
    const pipeline = await trainModel({ ...train, fingerprint: 'f', seed: 1 });
    try {
      assert.ok((pipeline.manifest.validation?.recall ?? 0) >= 0.8, `recall ${pipeline.manifest.validation?.recall}`);
      const test = oneSignalData(400, 12, 0.25);
      const scores = pipeline.scoreBatch(test.rows);
      const flagged = test.rows.filter((_, i) => (scores[i] as number) >= pipeline.thresholds.bot);
      assert.ok(flagged.length >= 50);
      for (const reasons of pipeline.reasonsBatch(flagged, 3)) {
        assert.equal(reasons[0]?.feature, 'signal');
        assert.ok(reasons.length <= 3);
        const total = reasons.reduce((sum, r) => sum + r.contribution, 0);
        assert.ok(total > 0 && total <= 1 + 1e-9);
        for (let k = 1; k < reasons.length; k++) {
          assert.ok((reasons[k - 1]?.contribution ?? 0) >= (reasons[k]?.contribution ?? 0));
        }
      }
      const one = flagged[0] as number[];
      const [first] = pipeline.reasons(one, 1);
      assert.deepEqual(first && { feature: first.feature, value: first.value }, { feature: 'signal', value: one[2] });
      assert.ok((first?.contribution ?? 0) > 0.5, 'the signal explains most of the push');
      // Deterministic: the same row gives the same reasons.
      assert.deepEqual(pipeline.reasons(one), pipeline.reasons(one));
    } finally {
      pipeline.dispose();
    }
  });

  it('refuses data it cannot train on, with WEIR_MODEL_TRAINING', async () => {
    const base = { names: ['x'], fingerprint: 'f' };
    await assert.rejects(trainModel({ ...base, rows: [[1], [2], [3]], labels: [0, 0, 0] }), { code: 'WEIR_MODEL_TRAINING' });
    await assert.rejects(trainModel({ ...base, rows: [[1], [2]], labels: [0, 2] }), { code: 'WEIR_MODEL_TRAINING' });
    await assert.rejects(trainModel({ ...base, rows: [[1, 2]], labels: [1] }), { code: 'WEIR_MODEL_TRAINING' });
    await assert.rejects(
      trainModel({ ...base, rows: [[1], [2]], labels: [0, 1], validationSplit: 1 }),
      { code: 'WEIR_MODEL_TRAINING' },
    );
  });
});

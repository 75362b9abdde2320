import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  fileSystemIO,
  loadModelPipeline,
  saveModelPipeline,
  untrainedPipeline,
  type ModelPipeline,
} from '../src/index.js';
import { seededRandom } from '../src/random.js';

const names = ['requests', 'pages_per_minute', 'error_share', 'requests__rz', 'gap_ms'];

function randomRows(n: number, seed: number): number[][] {
  const random = seededRandom(seed);
  return Array.from({ length: n }, () => names.map((_, c) => (random() - 0.3) * 10 ** (c % 3)));
}

describe('model pipeline: scoring, save and load', () => {
  let pipeline: ModelPipeline;
  let dir: string;
  const rows = randomRows(300, 3);

  before(async () => {
    pipeline = await untrainedPipeline({ names, fingerprint: 'features@1', seed: 11 });
    dir = await mkdtemp(join(tmpdir(), 'weir-model-'));
  });
  after(async () => {
    pipeline.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  it('scores a batch into a Float64Array of probabilities, the same every call', () => {
    const first = pipeline.scoreBatch(rows);
    assert.ok(first instanceof Float64Array);
    assert.equal(first.length, rows.length);
    assert.ok(first.every((s) => s >= 0 && s <= 1));
    assert.deepEqual(pipeline.scoreBatch(rows), first);
    // Row by row gives the batch's numbers (up to float32 summation order).
    rows.slice(0, 20).forEach((row, i) => assert.ok(Math.abs(pipeline.score(row) - (first[i] as number)) <= 1e-6));
  });

  it('leaves no tensor behind when scoring and explaining', () => {
    pipeline.scoreBatch(rows);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 20; i++) {
      pipeline.scoreBatch(rows);
      pipeline.score(rows[i] as number[]);
      pipeline.reasons(rows[i] as number[]);
    }
    assert.equal(tf.memory().numTensors, before);
  });

  it('refuses rows of the wrong width with WEIR_MODEL_INPUT', () => {
    assert.throws(() => pipeline.scoreBatch([[1, 2, 3]]), { code: 'WEIR_MODEL_INPUT' });
  });

  it('treats NaN, Infinity and out-of-range values as missing or clamped, never as NaN scores', () => {
    const weird = [[Number.NaN, Infinity, -Infinity, 1e30, -1e30]];
    const [score] = pipeline.scoreBatch(weird);
    assert.ok(Number.isFinite(score));
    const standardised = pipeline.preprocess(weird);
    assert.deepEqual([...standardised], [0, 0, 0, 10, -10]);
  });

  it('aligns named inputs by name: reordered columns score the same, missing ones count as missing', () => {
    const reversed = [...names].reverse();
    const input = { names: reversed, rows: rows.map((r) => [...r].reverse()) };
    assert.deepEqual(pipeline.scoreInput(input), pipeline.scoreBatch(rows));
    const partial = { names: names.slice(1), rows: rows.map((r) => r.slice(1)) };
    assert.deepEqual(pipeline.missingFeatures(partial.names), ['requests']);
    assert.deepEqual(
      pipeline.scoreInput(partial),
      pipeline.scoreBatch(rows.map((r) => [Number.NaN, ...r.slice(1)])),
    );
  });

  it('labels scores by its thresholds or a caller override', () => {
    assert.equal(pipeline.label(0.49), 'human');
    assert.equal(pipeline.label(0.5), 'suspicious');
    assert.equal(pipeline.label(0.8), 'bot');
    assert.equal(pipeline.label(0.6, { suspicious: 0.3, bot: 0.6 }), 'bot');
  });

  it('saves one directory that loads back to identical scores and the same version', async () => {
    await saveModelPipeline(pipeline, dir);
    assert.deepEqual((await readdir(dir)).sort(), ['model.json', 'pipeline.json', 'weights.bin']);
    const manifest = JSON.parse(await readFile(join(dir, 'pipeline.json'), 'utf8')) as Record<string, unknown>;
    assert.equal(manifest.version, pipeline.version);
    assert.equal(manifest.fingerprint, 'features@1');
    assert.deepEqual(manifest.thresholds, { suspicious: 0.5, bot: 0.8 });
    assert.match(pipeline.version, /^[0-9a-f]{16}$/);

    const loaded = await loadModelPipeline(dir);
    try {
      assert.equal(loaded.version, pipeline.version);
      assert.deepEqual(loaded.featureNames, names);
      const a = pipeline.scoreBatch(rows);
      const b = loaded.scoreBatch(rows);
      a.forEach((s, i) => assert.ok(Math.abs(s - (b[i] as number)) <= 1e-6));
      // Saving the loaded pipeline again writes the same network bytes.
      const again = await mkdtemp(join(tmpdir(), 'weir-model-again-'));
      await saveModelPipeline(loaded, again);
      assert.deepEqual(await readFile(join(again, 'weights.bin')), await readFile(join(dir, 'weights.bin')));
      assert.deepEqual(await readFile(join(again, 'model.json')), await readFile(join(dir, 'model.json')));
      await rm(again, { recursive: true, force: true });
    } finally {
      loaded.dispose();
    }
  });

  it('refuses a fingerprint other than the running one with WEIR_MODEL_FINGERPRINT', async () => {
    await assert.rejects(loadModelPipeline(dir, { fingerprint: 'features@2' }), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'WEIR_MODEL_FINGERPRINT');
      assert.match(err.message, /features@1/);
      assert.match(err.message, /features@2/);
      return true;
    });
  });

  it('refuses weights that no longer match the recorded version (WEIR_MODEL_INTEGRITY)', async () => {
    const tampered = await mkdtemp(join(tmpdir(), 'weir-model-tampered-'));
    try {
      await saveModelPipeline(pipeline, tampered);
      const weights = await readFile(join(tampered, 'weights.bin'));
      weights[0] = (weights[0] as number) ^ 0xff;
      await writeFile(join(tampered, 'weights.bin'), weights);
      await assert.rejects(loadModelPipeline(tampered), { code: 'WEIR_MODEL_INTEGRITY' });
      await rm(join(tampered, 'weights.bin'));
      await assert.rejects(loadModelPipeline(tampered), { code: 'WEIR_MODEL_FORMAT' });
    } finally {
      await rm(tampered, { recursive: true, force: true });
    }
  });

  it('accepts hand-edited default thresholds without a version change', async () => {
    const edited = await mkdtemp(join(tmpdir(), 'weir-model-edited-'));
    try {
      await saveModelPipeline(pipeline, edited);
      const path = join(edited, 'pipeline.json');
      const manifest = JSON.parse(await readFile(path, 'utf8')) as { thresholds: unknown };
      manifest.thresholds = { suspicious: 0.4, bot: 0.9 };
      await writeFile(path, JSON.stringify(manifest));
      const loaded = await loadModelPipeline(edited);
      assert.equal(loaded.version, pipeline.version);
      assert.deepEqual(loaded.thresholds, { suspicious: 0.4, bot: 0.9 });
      loaded.dispose();
    } finally {
      await rm(edited, { recursive: true, force: true });
    }
  });

  it('loads from an http(s) URL serving the same files', async () => {
    const server = createServer((req, res) => {
      const name = (req.url ?? '').replace(/^\/models\/v1\//, '');
      readFile(join(dir, name)).then(
        (body) => res.end(body),
        () => {
          res.statusCode = 404;
          res.end();
        },
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const loaded = await loadModelPipeline(`http://127.0.0.1:${port}/models/v1`);
      assert.equal(loaded.version, pipeline.version);
      assert.deepEqual(loaded.scoreBatch(rows), pipeline.scoreBatch(rows));
      loaded.dispose();
      await assert.rejects(loadModelPipeline(`http://127.0.0.1:${port}/models/none/`), { code: 'WEIR_MODEL_FORMAT' });
    } finally {
      // fetch keeps connections alive; without this close() waits for them to time out.
      server.closeAllConnections();
      server.close();
    }
  });

  it('fileSystemIO is a TF.js IOHandler: model.save and tf.loadLayersModel on a directory', async () => {
    const ioDir = await mkdtemp(join(tmpdir(), 'weir-io-'));
    try {
      const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [2], units: 1 })] });
      await model.save(fileSystemIO(ioDir));
      const back = await tf.loadLayersModel(fileSystemIO(ioDir));
      const x = tf.tensor2d([[1, 2]]);
      const [p, q] = [model.predict(x) as tf.Tensor, back.predict(x) as tf.Tensor];
      assert.deepEqual(p.dataSync(), q.dataSync());
      tf.dispose([x, p, q]);
      model.dispose();
      back.dispose();
    } finally {
      await rm(ioDir, { recursive: true, force: true });
    }
  });
});

import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { availableBackends, selectBackend, untrainedPipeline } from '../src/index.js';
import { seededRandom } from '../src/random.js';

async function tfjsNodeInstalled(): Promise<boolean> {
  const specifier = '@tensorflow/tfjs-node';
  try {
    await import(specifier);
    return true;
  } catch {
    return false;
  }
}

describe('backends', () => {
  const names = Array.from({ length: 12 }, (_, i) => `f${i}`);
  const random = seededRandom(9);
  const rows = Array.from({ length: 700 }, () => names.map(() => random() * 4 - 2));

  it('cpu and wasm (offline, from the installed package) give the same scores', async () => {
    assert.equal(await selectBackend('cpu'), 'cpu');
    assert.equal(tf.getBackend(), 'cpu');
    const onCpu = await untrainedPipeline({ names, fingerprint: 'f', seed: 4 });
    const cpuScores = onCpu.scoreBatch(rows);

    assert.equal(await selectBackend('wasm'), 'wasm');
    assert.equal(tf.getBackend(), 'wasm');
    const onWasm = await untrainedPipeline({ names, fingerprint: 'f', seed: 4 });
    assert.equal(onWasm.version, onCpu.version, 'same seed, same weights, whatever the backend');
    const before = tf.memory().numTensors;
    const wasmScores = onWasm.scoreBatch(rows);
    onWasm.reasons(rows[0] as number[]);
    assert.equal(tf.memory().numTensors, before, 'no leak on wasm either');
    wasmScores.forEach((s, i) => assert.ok(Math.abs(s - (cpuScores[i] as number)) <= 1e-5, `row ${i}`));
    onWasm.dispose();
    onCpu.dispose();
    await selectBackend('cpu');
  });

  it('node is optional: used when installed, refused with WEIR_MODEL_BACKEND when not', async () => {
    if (await tfjsNodeInstalled()) {
      assert.equal(await selectBackend('node'), 'node');
    } else {
      await assert.rejects(selectBackend('node'), { code: 'WEIR_MODEL_BACKEND' });
      assert.notEqual(await selectBackend('auto'), 'node');
    }
    const found = await availableBackends();
    assert.ok(found.includes('cpu') && found.includes('wasm'), found.join());
    await selectBackend('cpu');
    assert.equal(tf.getBackend(), 'cpu');
  });

  it('a crash after the wasm backend started is reported as itself, not from inside its loader', () => {
    // In a fresh process: the loader's handlers are added once, when wasm first initialises.
    const backend = join(import.meta.dirname, '..', 'src', 'backend.ts');
    const script = `import('${backend}').then(async (m) => { await m.selectBackend('wasm'); Promise.reject(new Error('crash-after-wasm')); })`;
    const child = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { encoding: 'utf8' });
    assert.notEqual(child.status, 0, 'the unhandled rejection ends the process');
    assert.match(child.stderr, /crash-after-wasm/);
    assert.doesNotMatch(child.stderr, /tfjs-backend-wasm\.js/, child.stderr.slice(0, 300));
    assert.ok(child.stderr.length < 5000, `stderr is ${child.stderr.length} characters`);
  });
});

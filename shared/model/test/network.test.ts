import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ensureBackend } from '../src/backend.js';
import { DEFAULT_NETWORK, buildNetwork, forwardOf } from '../src/network.js';

describe('network forward pass', () => {
  it('the lean Dense-stack pass computes exactly what LayersModel.predict does', async () => {
    await ensureBackend();
    const model = buildNetwork(7, DEFAULT_NETWORK, 3);
    const x = tf.randomNormal([50, 7], 0, 2, 'float32', 1) as tf.Tensor2D;
    const [lean, reference] = tf.tidy(() => [forwardOf(model)(x).dataSync(), (model.predict(x) as tf.Tensor).dataSync()]);
    assert.deepEqual(lean, reference);
    x.dispose();
    model.dispose();
  });

  it('falls back to predict for a topology it does not know', async () => {
    await ensureBackend();
    const model = tf.sequential({
      layers: [tf.layers.dense({ inputShape: [3], units: 4, activation: 'tanh' }), tf.layers.dense({ units: 1 })],
    });
    const x = tf.ones([2, 3]) as tf.Tensor2D;
    const [lean, reference] = tf.tidy(() => [forwardOf(model)(x).dataSync(), (model.predict(x) as tf.Tensor).dataSync()]);
    assert.deepEqual(lean, reference);
    x.dispose();
    model.dispose();
  });
});

/**
 * The pipeline's second stage: a small MLP with a sigmoid output, and batched inference over it.
 * Layer and model names are fixed so the saved topology (and hence the version hash) does not
 * depend on how many layers the process happened to create before.
 */
import * as tf from '@tensorflow/tfjs';

export interface NetworkSpec {
  /** Units per hidden layer (ReLU). */
  hidden: readonly number[];
  /**
   * L2 penalty on kernels, applied by the training loop (not stored in the topology): keeps a small
   * model from memorising a small training set.
   */
  l2: number;
}

export const DEFAULT_NETWORK: Readonly<NetworkSpec> = Object.freeze({ hidden: Object.freeze([32, 16]), l2: 0 });

/** Initialisers are seeded per layer, so the same seed gives the same starting weights. */
export function buildNetwork(inputSize: number, spec: NetworkSpec, seed: number): tf.Sequential {
  const model = tf.sequential({ name: 'weir_mlp' });
  spec.hidden.forEach((units, i) => {
    model.add(
      tf.layers.dense({
        name: `hidden_${i + 1}`,
        ...(i === 0 ? { inputShape: [inputSize] } : {}),
        units,
        activation: 'relu',
        kernelInitializer: tf.initializers.heNormal({ seed: seed + i }),
        biasInitializer: 'zeros',
      }),
    );
  });
  model.add(
    tf.layers.dense({
      name: 'score',
      ...(spec.hidden.length === 0 ? { inputShape: [inputSize] } : {}),
      units: 1,
      activation: 'sigmoid',
      kernelInitializer: tf.initializers.glorotUniform({ seed: seed + spec.hidden.length }),
      biasInitializer: 'zeros',
    }),
  );
  return model;
}

/** The network's forward pass over a [rows, features] tensor, giving [rows, 1]. */
export type Forward = (x: tf.Tensor2D) => tf.Tensor;

const FUSABLE = new Set(['linear', 'relu', 'sigmoid', 'elu', 'relu6']);

/**
 * A lean forward pass when the model is a plain stack of Dense layers (what `buildNetwork` makes):
 * one fused matMul + bias + activation per layer, the same kernels Dense itself runs, without
 * `LayersModel.predict`'s per-call bookkeeping, which dominates at batch 1 (about 3× slower there).
 * Any other topology falls back to `predict`. Must be called inside `tf.tidy`.
 */
export function forwardOf(model: tf.LayersModel): Forward {
  const stack: { kernel: tf.Tensor2D; bias: tf.Tensor1D | null; activation: string }[] = [];
  for (const layer of model.layers) {
    const activation = layer.getConfig().activation;
    const weights = layer.getWeights();
    const kernel = weights[0];
    if (layer.getClassName() !== 'Dense' || typeof activation !== 'string' || !FUSABLE.has(activation) || kernel?.rank !== 2) {
      return (x) => {
        const out = model.predict(x);
        return Array.isArray(out) ? (out[0] as tf.Tensor) : out;
      };
    }
    stack.push({ kernel: kernel as tf.Tensor2D, bias: (weights[1] as tf.Tensor1D | undefined) ?? null, activation });
  }
  return (x) => {
    let h: tf.Tensor = x;
    for (const { kernel, bias, activation } of stack) {
      h = tf.fused.matMul({ a: h, b: kernel, ...(bias ? { bias } : {}), activation: activation as tf.fused.Activation });
    }
    return h;
  };
}

/** Largest batch made into one tensor; bigger inputs are scored in slices of this many rows. */
export const MAX_TENSOR_ROWS = 8192;

/**
 * Scores standardised rows (row-major, `width` columns): one tensor per slice, everything created
 * inside `tf.tidy` and the output disposed, so repeated scoring leaks nothing.
 */
export function predictStandardised(forward: Forward, data: Float32Array, width: number): Float64Array {
  const rows = width === 0 ? 0 : data.length / width;
  const scores = new Float64Array(rows);
  for (let start = 0; start < rows; start += MAX_TENSOR_ROWS) {
    const count = Math.min(MAX_TENSOR_ROWS, rows - start);
    const slice = data.subarray(start * width, (start + count) * width);
    const output = tf.tidy(() => forward(tf.tensor2d(slice, [count, width])).reshape([count]));
    try {
      scores.set(output.dataSync(), start);
    } finally {
      output.dispose();
    }
  }
  return scores;
}

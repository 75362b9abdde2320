/**
 * Gradient × input of a plain stack of Dense layers (what `buildNetwork` makes: logistic regression
 * is one layer, the MLP three), in plain JS from the weights copied once: one forward and one
 * backward pass per row, whatever the number of features, no tensors. The reference is the
 * standardised training mean, 0, so the input itself is the step from the reference, and the
 * attribution is taken on the log-odds (the output layer's pre-activation): for logistic regression
 * it is then exactly w·x, the very quantity whose removal occlusion measures.
 */
import type * as tf from '@tensorflow/tfjs';

export interface DenseLayer {
  inputs: number;
  units: number;
  /** Row-major inputs × units, as TF.js stores a Dense kernel. */
  kernel: Float32Array;
  bias: Float32Array;
  activation: 'linear' | 'relu' | 'sigmoid';
}

const ACTIVATIONS = new Set(['linear', 'relu', 'sigmoid']);

/** The layers of `model` as plain arrays, or null when it is anything but Dense layers with those activations. */
export function denseLayersOf(model: tf.LayersModel): DenseLayer[] | null {
  const layers: DenseLayer[] = [];
  for (const layer of model.layers) {
    const activation = layer.getConfig().activation;
    const [kernel, bias] = layer.getWeights();
    if (layer.getClassName() !== 'Dense' || typeof activation !== 'string' || !ACTIVATIONS.has(activation) || kernel?.rank !== 2) return null;
    const [inputs, units] = kernel.shape as [number, number];
    layers.push({
      inputs,
      units,
      kernel: Float32Array.from(kernel.dataSync()),
      bias: bias ? Float32Array.from(bias.dataSync()) : new Float32Array(units),
      activation: activation as DenseLayer['activation'],
    });
  }
  return layers.length > 0 && layers[layers.length - 1]!.units === 1 ? layers : null;
}

/**
 * Row-major `rows × players` sums of ∂logit/∂x_c · x_c over each player's columns
 * (`playerOf[column]`).
 */
export function gradientTimesInput(layers: readonly DenseLayer[], data: Float32Array, playerOf: Int32Array, players: number): Float64Array {
  const width = layers[0]!.inputs;
  const rows = width === 0 ? 0 : data.length / width;
  const out = new Float64Array(rows * players);
  // Activations per layer (index 0 is the input) and the gradient flowing back, reused for every row.
  const activations = [new Float64Array(width), ...layers.map((l) => new Float64Array(l.units))];
  const gradients = [new Float64Array(width), ...layers.map((l) => new Float64Array(l.units))];
  const last = layers.length - 1;
  for (let r = 0; r < rows; r++) {
    const input = activations[0]!;
    for (let c = 0; c < width; c++) input[c] = data[r * width + c] as number;
    layers.forEach((layer, l) => forwardLayer(layer, activations[l]!, activations[l + 1]!, l === last));
    gradients[last + 1]![0] = 1; // ∂logit/∂logit
    for (let l = last; l >= 0; l--) backwardLayer(layers[l]!, activations[l + 1]!, gradients[l + 1]!, gradients[l]!, l === last);
    const gradient = gradients[0]!;
    for (let c = 0; c < width; c++) {
      const cell = r * players + (playerOf[c] as number);
      out[cell] = (out[cell] as number) + (gradient[c] as number) * (input[c] as number);
    }
  }
  return out;
}

/** Fills `output` with the layer's activations; the last layer keeps its pre-activation (the logit). */
function forwardLayer(layer: DenseLayer, input: Float64Array, output: Float64Array, isLast: boolean): void {
  const { inputs, units, kernel, bias } = layer;
  for (let u = 0; u < units; u++) output[u] = bias[u] as number;
  for (let i = 0; i < inputs; i++) {
    const x = input[i] as number;
    if (x === 0) continue;
    const offset = i * units;
    for (let u = 0; u < units; u++) output[u] = (output[u] as number) + x * (kernel[offset + u] as number);
  }
  if (isLast) return;
  for (let u = 0; u < units; u++) output[u] = activate(layer.activation, output[u] as number);
}

/** ∂logit/∂input of the layer, from ∂logit/∂output and the layer's (post-activation) output. */
function backwardLayer(layer: DenseLayer, output: Float64Array, outGradient: Float64Array, inGradient: Float64Array, isLast: boolean): void {
  const { inputs, units, kernel } = layer;
  if (!isLast) {
    for (let u = 0; u < units; u++) outGradient[u] = (outGradient[u] as number) * slope(layer.activation, output[u] as number);
  }
  for (let i = 0; i < inputs; i++) {
    const offset = i * units;
    let sum = 0;
    for (let u = 0; u < units; u++) sum += (kernel[offset + u] as number) * (outGradient[u] as number);
    inGradient[i] = sum;
  }
}

function activate(activation: DenseLayer['activation'], x: number): number {
  if (activation === 'relu') return x > 0 ? x : 0;
  if (activation === 'sigmoid') return 1 / (1 + Math.exp(-x));
  return x;
}

/** The activation's derivative, from its output. */
function slope(activation: DenseLayer['activation'], y: number): number {
  if (activation === 'relu') return y > 0 ? 1 : 0;
  if (activation === 'sigmoid') return y * (1 - y);
  return 1;
}

/**
 * Why a row scored high, by occlusion: score the row, then score it again with one feature at a
 * time replaced by its training mean (0 once standardised); the drop is that feature's push. Chosen
 * over gradient×input because it measures what the network actually does at that point (ReLU and
 * sigmoid saturation make gradients local and often near zero for confident scores), costs a single
 * batched forward pass of (features + 1) rows per row, and is exactly deterministic.
 * Interactions are not split: two features that only matter together may each show a small drop.
 */
import type { Attribution } from './types.js';

export const DEFAULT_REASON_COUNT = 3;

/**
 * For each row, the features that pushed its score up, largest first, at most `k`.
 * `standardised` is row-major (rows × names.length); `predict` scores such a matrix.
 */
export function occlusionAttributions(
  predict: (data: Float32Array) => Float64Array,
  standardised: Float32Array,
  rawRows: readonly (readonly number[])[],
  names: readonly string[],
  k: number,
): Attribution[][] {
  const width = names.length;
  const block = width + 1;
  const occluded = new Float32Array(rawRows.length * block * width);
  for (let r = 0; r < rawRows.length; r++) {
    const row = standardised.subarray(r * width, (r + 1) * width);
    for (let variant = 0; variant < block; variant++) {
      const offset = (r * block + variant) * width;
      occluded.set(row, offset);
      // Variant 0 is the row as is; variant j + 1 has feature j at its training mean.
      if (variant > 0) occluded[offset + variant - 1] = 0;
    }
  }
  const scores = predict(occluded);
  return rawRows.map((raw, r) => {
    const base = scores[r * block] as number;
    const pushes: { column: number; delta: number }[] = [];
    let total = 0;
    for (let c = 0; c < width; c++) {
      const delta = base - (scores[r * block + c + 1] as number);
      if (delta > 0) {
        pushes.push({ column: c, delta });
        total += delta;
      }
    }
    // Stable sort: equal pushes keep the pipeline's feature order, so output never depends on chance.
    pushes.sort((a, b) => b.delta - a.delta);
    return pushes.slice(0, Math.max(0, k)).map(({ column, delta }) => ({
      feature: names[column] as string,
      value: raw[column] as number,
      contribution: delta / total,
      delta,
    }));
  });
}

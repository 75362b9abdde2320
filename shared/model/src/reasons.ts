/**
 * Why a row scored high, by occlusion: score the row, then score it again with one feature at a
 * time replaced by its training mean (0 once standardised); the drop is that feature's push. Chosen
 * over gradient×input because it measures what the network actually does at that point (ReLU and
 * sigmoid saturation make gradients local and often near zero for confident scores), costs a single
 * batched forward pass of (features + 1) rows per row (fewer with groups), and is exactly deterministic.
 * Interactions are not split: two features that only matter together may each show a small drop.
 */
import type { Attribution } from './types.js';

export const DEFAULT_REASON_COUNT = 3;

/**
 * For each row, the features that pushed its score up, largest first, at most `k`.
 * `standardised` is row-major (rows × names.length); `predict` scores such a matrix.
 * `groupOf` names the group of a column: the columns of one group are occluded together and
 * reported as one feature (say `request_count` with its z and robust z against a baseline, which
 * a reader sees as one thing); it also makes attribution cheaper, one variant per group.
 */
export function occlusionAttributions(
  predict: (data: Float32Array) => Float64Array,
  standardised: Float32Array,
  rawRows: readonly (readonly number[])[],
  names: readonly string[],
  k: number,
  groupOf: (column: string) => string = (column) => column,
): Attribution[][] {
  const width = names.length;
  const groups = columnGroups(names, groupOf);
  const block = groups.length + 1;
  const occluded = new Float32Array(rawRows.length * block * width);
  for (let r = 0; r < rawRows.length; r++) {
    const row = standardised.subarray(r * width, (r + 1) * width);
    for (let variant = 0; variant < block; variant++) {
      const offset = (r * block + variant) * width;
      occluded.set(row, offset);
      // Variant 0 is the row as is; variant g + 1 has group g's columns at their training mean.
      if (variant > 0) for (const column of (groups[variant - 1] as ColumnGroup).columns) occluded[offset + column] = 0;
    }
  }
  const scores = predict(occluded);
  return rawRows.map((raw, r) => {
    const base = scores[r * block] as number;
    const pushes: { group: ColumnGroup; delta: number }[] = [];
    let total = 0;
    for (let g = 0; g < groups.length; g++) {
      const delta = base - (scores[r * block + g + 1] as number);
      if (delta > 0) {
        pushes.push({ group: groups[g] as ColumnGroup, delta });
        total += delta;
      }
    }
    // Stable sort: equal pushes keep the pipeline's feature order, so output never depends on chance.
    pushes.sort((a, b) => b.delta - a.delta);
    return pushes.slice(0, Math.max(0, k)).map(({ group, delta }) => ({
      feature: group.name,
      value: raw[group.valueColumn] as number,
      contribution: delta / total,
      delta,
    }));
  });
}

interface ColumnGroup {
  name: string;
  columns: number[];
  /** The column whose raw value stands for the group: the one named like it, else its first. */
  valueColumn: number;
}

function columnGroups(names: readonly string[], groupOf: (column: string) => string): ColumnGroup[] {
  const byName = new Map<string, ColumnGroup>();
  names.forEach((column, index) => {
    const name = groupOf(column);
    const group = byName.get(name);
    if (group === undefined) byName.set(name, { name, columns: [index], valueColumn: index });
    else {
      group.columns.push(index);
      if (column === name) group.valueColumn = index;
    }
  });
  return [...byName.values()];
}

/**
 * Why a row scored high: each feature's push away from the training mean (0 once standardised).
 *
 * Occlusion scores the row again with one feature at a time at its mean; the drop is that feature's
 * push. It measures what the model does at that point, but costs a forward pass of (features + 1)
 * rows per row (fewer with groups), which made reasons the score stage's largest cost. So
 * the pipelines explain in one pass (`singlePassAttributions`: exact Shapley values for trees,
 * gradient × input for networks, see tree-attribution.ts and gradient-attribution.ts) and keep
 * occlusion as the reference those are checked against, and for topologies one pass cannot read.
 * Interactions: occlusion does not split them (two features that only matter together may each show
 * a small drop); Shapley values share them out.
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
  const pushes = new Float64Array(rawRows.length * groups.length);
  for (let r = 0; r < rawRows.length; r++) {
    const base = scores[r * block] as number;
    for (let g = 0; g < groups.length; g++) pushes[r * groups.length + g] = base - (scores[r * block + g + 1] as number);
  }
  return rankPushes(pushes, groups, rawRows, k);
}

/**
 * The same answer in one pass: `attribute` gives each player's push for every row at once (tree
 * Shapley values, gradient × input; their units are log-odds, not probability), so the cost no
 * longer grows with the number of features. Ranked and shared out as occlusion's pushes are.
 */
export function singlePassAttributions(
  attribute: (standardised: Float32Array, playerOf: Int32Array, players: number) => Float64Array,
  standardised: Float32Array,
  rawRows: readonly (readonly number[])[],
  names: readonly string[],
  k: number,
  groupOf: (column: string) => string = (column) => column,
): Attribution[][] {
  const groups = columnGroups(names, groupOf);
  const playerOf = new Int32Array(names.length);
  groups.forEach((group, g) => {
    for (const column of group.columns) playerOf[column] = g;
  });
  return rankPushes(attribute(standardised, playerOf, groups.length), groups, rawRows, k);
}

/** Per row, the groups with a positive push (row-major rows × groups), largest first, at most `k`, with their shares. */
function rankPushes(pushes: Float64Array, groups: readonly ColumnGroup[], rawRows: readonly (readonly number[])[], k: number): Attribution[][] {
  return rawRows.map((raw, r) => {
    const up: { group: ColumnGroup; delta: number }[] = [];
    let total = 0;
    for (let g = 0; g < groups.length; g++) {
      const delta = pushes[r * groups.length + g] as number;
      if (delta > 0) {
        up.push({ group: groups[g] as ColumnGroup, delta });
        total += delta;
      }
    }
    // Stable sort: equal pushes keep the pipeline's feature order, so output never depends on chance.
    up.sort((a, b) => b.delta - a.delta);
    return up.slice(0, Math.max(0, k)).map(({ group, delta }) => ({
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

/** How far two explanations of the same rows agree: the top reason, and the overlap of the top `k`. */
export interface ReasonAgreement {
  /** Rows where at least one side gives a reason. */
  rows: number;
  /** Share of those rows whose first reasons are the same feature. */
  top1: number;
  /** Mean share of the top-`k` features the two sides have in common (over the larger list). */
  topK: number;
}

export function reasonAgreement(a: readonly (readonly Attribution[])[], b: readonly (readonly Attribution[])[], k: number): ReasonAgreement {
  let rows = 0;
  let top1 = 0;
  let topK = 0;
  a.forEach((left, r) => {
    const right = b[r] ?? [];
    const leftTop = left.slice(0, k).map((x) => x.feature);
    const rightTop = new Set(right.slice(0, k).map((x) => x.feature));
    const size = Math.max(leftTop.length, rightTop.size);
    if (size === 0) return;
    rows += 1;
    if (leftTop[0] !== undefined && leftTop[0] === right[0]?.feature) top1 += 1;
    topK += leftTop.filter((feature) => rightTop.has(feature)).length / size;
  });
  return { rows, top1: rows === 0 ? 1 : top1 / rows, topK: rows === 0 ? 1 : topK / rows };
}

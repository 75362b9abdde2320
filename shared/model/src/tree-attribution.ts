/**
 * Exact Shapley values of a tree ensemble's log-odds against one reference row (the training mean,
 * 0 once standardised): the game is "each player's columns come from the row or from the
 * reference", as occlusion's is, so both answer the same question; occlusion asks it once per
 * player, this splits the whole difference f(row) − f(reference) fairly among them in one pass.
 *
 * Per tree, the row and the reference walk down together; where they part at a split, the walk
 * follows both sides, remembering that the player of that column came from the row on one side and
 * from the reference on the other (a player met again later must keep its side). A leaf reached
 * with row-players U and reference-players V is worth its value v when every player of U comes
 * from the row and every one of V from the reference, so in a random order of players it is i ∈ U
 * that completes it when U's others come before i and V's after: φ_i += v·(|U|−1)!|V|!/(|U|+|V|)!,
 * and symmetrically φ_j −= v·|U|!(|V|−1)!/(|U|+|V|)! for j ∈ V (interventional TreeSHAP with one
 * background row). A depth-d tree visits at most 2^d leaves per row, whatever the number of players.
 */
import type { Tree, TreeEnsemble } from './trees.js';

/**
 * Row-major `rows × players` log-odds contributions; each row's sum is its margin minus the
 * reference's. `playerOf[column]` says whose push a column is (columns of a group play together).
 */
export function treeShapley(
  ensemble: TreeEnsemble,
  data: Float32Array,
  playerOf: Int32Array,
  players: number,
  reference: Float32Array = new Float32Array(ensemble.width),
): Float64Array {
  const width = ensemble.width;
  const rows = width === 0 ? 0 : data.length / width;
  const out = new Float64Array(rows * players);
  const weights = shapleyWeights(maxDepth(ensemble) + 1);
  const walk = new Walk(playerOf, reference, weights);
  for (let r = 0; r < rows; r++) {
    walk.start(data, r * width, out, r * players);
    for (const tree of ensemble.trees) walk.tree(tree, 0);
  }
  return out;
}

/** weights[u][v] = u!·v!/(u+v+1)!: the chance that one player comes after u given ones and before v others. */
function shapleyWeights(size: number): Float64Array[] {
  const factorial = [1];
  for (let i = 1; i <= 2 * size + 1; i++) factorial.push((factorial[i - 1] as number) * i);
  return Array.from({ length: size + 1 }, (_, u) =>
    Float64Array.from({ length: size + 1 }, (_, v) => ((factorial[u] as number) * (factorial[v] as number)) / (factorial[u + v + 1] as number)),
  );
}

function maxDepth(ensemble: TreeEnsemble): number {
  let deepest = 0;
  for (const tree of ensemble.trees) {
    const depth = (node: number): number => ((tree.feature[node] as number) < 0 ? 0 : 1 + Math.max(depth(tree.left[node] as number), depth(tree.right[node] as number)));
    deepest = Math.max(deepest, depth(0));
  }
  return deepest;
}

/** One row's walk through the trees; the two player lists are stacks along the current path. */
class Walk {
  private data: Float32Array = new Float32Array(0);
  private rowStart = 0;
  private out: Float64Array = new Float64Array(0);
  private outStart = 0;
  private readonly fromRow: number[] = [];
  private readonly fromReference: number[] = [];

  constructor(
    private readonly playerOf: Int32Array,
    private readonly reference: Float32Array,
    private readonly weights: Float64Array[],
  ) {}

  start(data: Float32Array, rowStart: number, out: Float64Array, outStart: number): void {
    this.data = data;
    this.rowStart = rowStart;
    this.out = out;
    this.outStart = outStart;
  }

  tree(tree: Tree, node: number): void {
    const feature = tree.feature[node] as number;
    if (feature < 0) {
      this.leaf(tree.value[node] as number);
      return;
    }
    const threshold = tree.threshold[node] as number;
    const rowChild = (this.data[this.rowStart + feature] as number) <= threshold ? (tree.left[node] as number) : (tree.right[node] as number);
    const referenceChild = (this.reference[feature] as number) <= threshold ? (tree.left[node] as number) : (tree.right[node] as number);
    if (rowChild === referenceChild) {
      this.tree(tree, rowChild);
      return;
    }
    const player = this.playerOf[feature] as number;
    // A player already on one side keeps its columns' source: only that side's branch is reachable.
    if (this.fromRow.includes(player)) {
      this.tree(tree, rowChild);
      return;
    }
    if (this.fromReference.includes(player)) {
      this.tree(tree, referenceChild);
      return;
    }
    this.fromRow.push(player);
    this.tree(tree, rowChild);
    this.fromRow.pop();
    this.fromReference.push(player);
    this.tree(tree, referenceChild);
    this.fromReference.pop();
  }

  private leaf(value: number): void {
    const u = this.fromRow.length;
    const v = this.fromReference.length;
    if (u + v === 0) return; // row and reference share the leaf: no difference to split
    if (u > 0) {
      const share = value * (this.weights[u - 1]![v] as number);
      for (const player of this.fromRow) this.out[this.outStart + player] = (this.out[this.outStart + player] as number) + share;
    }
    if (v > 0) {
      const share = value * (this.weights[u]![v - 1] as number);
      for (const player of this.fromReference) this.out[this.outStart + player] = (this.out[this.outStart + player] as number) - share;
    }
  }
}

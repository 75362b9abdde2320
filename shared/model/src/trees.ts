/**
 * Gradient-boosted decision trees for binary classification, our own (no maintained JS library
 * saves and loads its ensembles in a form we could hash and serve alongside TF.js networks):
 * logistic loss, second-order (Newton) leaf values with L2 shrinkage, depth-limited trees grown
 * on per-feature quantile bins (as LightGBM and scikit-learn's HistGradientBoosting do), so one
 * split search costs O(rows × features) whatever the row count. Deterministic: no sampling.
 *
 * Trees read the standardised matrix the network reads; standardising is monotone per feature,
 * so it changes no split a tree could make.
 */
import { ModelError } from './errors.js';

export interface TreeSpec {
  /** Levels of splits per tree. */
  depth: number;
  /** Shrinkage of every tree's leaf values. */
  learningRate: number;
  /** L2 penalty on leaf values (the λ of XGBoost). */
  l2: number;
  /** Least total hessian (≈ weighted rows near p = 0.5) in a leaf: keeps small data from fitting single rows. */
  minChildWeight: number;
  /** Quantile bins per feature. */
  bins: number;
}

export const DEFAULT_TREES: Readonly<TreeSpec> = Object.freeze({ depth: 3, learningRate: 0.1, l2: 1, minChildWeight: 1, bins: 32 });

/** One tree in flat arrays; node 0 is the root; `feature[i] === -1` marks a leaf. */
export interface Tree {
  feature: number[];
  /** Go left when x ≤ threshold. */
  threshold: number[];
  left: number[];
  right: number[];
  /** Leaf values (log-odds, already shrunk); 0 at split nodes. */
  value: number[];
}

export interface TreeEnsemble {
  format: 'weir-trees/1';
  width: number;
  /** Log-odds every prediction starts from. */
  base: number;
  trees: Tree[];
}

export const TREES_JSON = 'trees.json';

function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/** Log-odds of each row (row-major `data`, `ensemble.width` columns). */
export function treeMargins(ensemble: TreeEnsemble, data: Float32Array): Float64Array {
  const width = ensemble.width;
  const rows = width === 0 ? 0 : data.length / width;
  const out = new Float64Array(rows).fill(ensemble.base);
  for (const tree of ensemble.trees) addTree(tree, data, width, out);
  return out;
}

export function predictTrees(ensemble: TreeEnsemble, data: Float32Array): Float64Array {
  const margins = treeMargins(ensemble, data);
  for (let i = 0; i < margins.length; i++) margins[i] = sigmoid(margins[i] as number);
  return margins;
}

function addTree(tree: Tree, data: Float32Array, width: number, margins: Float64Array): void {
  for (let r = 0; r < margins.length; r++) {
    let node = 0;
    for (;;) {
      const f = tree.feature[node] as number;
      if (f < 0) break;
      node = (data[r * width + f] as number) <= (tree.threshold[node] as number) ? (tree.left[node] as number) : (tree.right[node] as number);
    }
    margins[r] = (margins[r] as number) + (tree.value[node] as number);
  }
}

export interface BoostOptions {
  data: Float32Array;
  width: number;
  labels: readonly number[];
  /** Per-row loss weight (class balance). */
  weights: readonly number[];
  rounds: number;
  spec: TreeSpec;
  /** Scored after every round, for early stopping and out-of-fold predictions. */
  evalSets?: readonly Float32Array[];
  onRound?: (round: number, evalScores: readonly Float64Array[]) => void;
}

/** Fits `rounds` trees. */
export function boostTrees(o: BoostOptions): TreeEnsemble {
  const { data, width, labels, weights, spec } = o;
  const n = labels.length;
  if (n === 0 || data.length !== n * width) throw new ModelError('WEIR_MODEL_TRAINING', `trees: ${data.length} values for ${n} rows of ${width}`);
  let pos = 0;
  let total = 0;
  for (let i = 0; i < n; i++) {
    pos += (labels[i] as number) * (weights[i] as number);
    total += weights[i] as number;
  }
  const prior = Math.min(1 - 1e-6, Math.max(1e-6, pos / total));
  const base = Math.log(prior / (1 - prior));
  const edges = binEdges(data, n, width, spec.bins);
  const binned = binRows(data, n, width, edges);
  const margins = new Float64Array(n).fill(base);
  const evalSets = o.evalSets ?? [];
  const evalMargins = evalSets.map((set) => new Float64Array(set.length / Math.max(1, width)).fill(base));
  const grad = new Float64Array(n);
  const hess = new Float64Array(n);
  const trees: Tree[] = [];
  for (let round = 1; round <= o.rounds; round++) {
    for (let i = 0; i < n; i++) {
      const p = sigmoid(margins[i] as number);
      const w = weights[i] as number;
      grad[i] = (p - (labels[i] as number)) * w;
      hess[i] = Math.max(p * (1 - p), 1e-6) * w;
    }
    const tree = growTree(binned, edges, n, width, grad, hess, spec);
    trees.push(tree);
    addTree(tree, data, width, margins);
    evalSets.forEach((set, k) => addTree(tree, set, width, evalMargins[k] as Float64Array));
    if (o.onRound) o.onRound(round, evalMargins.map((m) => m.map(sigmoid)));
  }
  return { format: 'weir-trees/1', width, base, trees };
}

/** Per feature, up to `bins - 1` cut points at quantiles of its distinct values. */
function binEdges(data: Float32Array, n: number, width: number, bins: number): Float64Array[] {
  const edges: Float64Array[] = [];
  const column = new Float64Array(n);
  for (let f = 0; f < width; f++) {
    for (let i = 0; i < n; i++) column[i] = data[i * width + f] as number;
    const sorted = Float64Array.from(column).sort();
    const distinct: number[] = [];
    for (const v of sorted) if (distinct.length === 0 || v !== distinct[distinct.length - 1]) distinct.push(v);
    const cuts: number[] = [];
    if (distinct.length <= bins) {
      for (let k = 0; k + 1 < distinct.length; k++) cuts.push(((distinct[k] as number) + (distinct[k + 1] as number)) / 2);
    } else {
      for (let k = 1; k < bins; k++) {
        const v = sorted[Math.floor((k * n) / bins)] as number;
        if (cuts.length === 0 || v > (cuts[cuts.length - 1] as number)) cuts.push(v);
      }
    }
    edges.push(Float64Array.from(cuts));
  }
  return edges;
}

/** Bin of every value: the number of cut points below it (x ≤ cut[b] ⇔ bin ≤ b). */
function binRows(data: Float32Array, n: number, width: number, edges: Float64Array[]): Uint8Array {
  const out = new Uint8Array(n * width);
  for (let f = 0; f < width; f++) {
    const cuts = edges[f] as Float64Array;
    for (let i = 0; i < n; i++) {
      const x = data[i * width + f] as number;
      let lo = 0;
      let hi = cuts.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (x <= (cuts[mid] as number)) hi = mid;
        else lo = mid + 1;
      }
      out[i * width + f] = lo;
    }
  }
  return out;
}

function growTree(binned: Uint8Array, edges: Float64Array[], n: number, width: number, grad: Float64Array, hess: Float64Array, spec: TreeSpec): Tree {
  const tree: Tree = { feature: [], threshold: [], left: [], right: [], value: [] };
  const all = new Uint32Array(n);
  for (let i = 0; i < n; i++) all[i] = i;
  const histG = new Float64Array(256);
  const histH = new Float64Array(256);

  const leaf = (node: number, g: number, h: number) => {
    tree.feature[node] = -1;
    tree.threshold[node] = 0;
    tree.left[node] = -1;
    tree.right[node] = -1;
    tree.value[node] = (-g / (h + spec.l2)) * spec.learningRate;
  };

  const grow = (rows: Uint32Array, depth: number): number => {
    const node = tree.feature.length;
    tree.feature.push(-1);
    tree.threshold.push(0);
    tree.left.push(-1);
    tree.right.push(-1);
    tree.value.push(0);
    let g = 0;
    let h = 0;
    for (const i of rows) {
      g += grad[i] as number;
      h += hess[i] as number;
    }
    if (depth >= spec.depth || h < 2 * spec.minChildWeight) {
      leaf(node, g, h);
      return node;
    }
    const parentScore = (g * g) / (h + spec.l2);
    let bestGain = 1e-9;
    let bestFeature = -1;
    let bestBin = -1;
    for (let f = 0; f < width; f++) {
      const cuts = (edges[f] as Float64Array).length;
      if (cuts === 0) continue;
      histG.fill(0, 0, cuts + 1);
      histH.fill(0, 0, cuts + 1);
      for (const i of rows) {
        const b = binned[i * width + f] as number;
        histG[b] = (histG[b] as number) + (grad[i] as number);
        histH[b] = (histH[b] as number) + (hess[i] as number);
      }
      let gl = 0;
      let hl = 0;
      for (let b = 0; b < cuts; b++) {
        gl += histG[b] as number;
        hl += histH[b] as number;
        const hr = h - hl;
        if (hl < spec.minChildWeight || hr < spec.minChildWeight) continue;
        const gr = g - gl;
        const gain = (gl * gl) / (hl + spec.l2) + (gr * gr) / (hr + spec.l2) - parentScore;
        if (gain > bestGain) {
          bestGain = gain;
          bestFeature = f;
          bestBin = b;
        }
      }
    }
    if (bestFeature < 0) {
      leaf(node, g, h);
      return node;
    }
    let leftCount = 0;
    for (const i of rows) if ((binned[i * width + bestFeature] as number) <= bestBin) leftCount++;
    const leftRows = new Uint32Array(leftCount);
    const rightRows = new Uint32Array(rows.length - leftCount);
    let l = 0;
    let r = 0;
    for (const i of rows) {
      if ((binned[i * width + bestFeature] as number) <= bestBin) leftRows[l++] = i;
      else rightRows[r++] = i;
    }
    tree.feature[node] = bestFeature;
    tree.threshold[node] = (edges[bestFeature] as Float64Array)[bestBin] as number;
    tree.left[node] = grow(leftRows, depth + 1);
    tree.right[node] = grow(rightRows, depth + 1);
    return node;
  };
  grow(all, 0);
  return tree;
}

/** Checks a parsed `trees.json` against the width the pipeline declares. */
export function parseTreeEnsemble(text: string, width: number, location: string): TreeEnsemble {
  const fail = (why: string): never => {
    throw new ModelError('WEIR_MODEL_FORMAT', `${TREES_JSON} in ${location}: ${why}`);
  };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new ModelError('WEIR_MODEL_FORMAT', `${TREES_JSON} in ${location} is not JSON`, { cause: err });
  }
  const e = parsed as Partial<TreeEnsemble> | null;
  if (e?.format !== 'weir-trees/1') return fail('format must be "weir-trees/1"');
  if (e.width !== width) return fail(`the trees read ${String(e.width)} inputs but pipeline.json lists ${width} features`);
  if (typeof e.base !== 'number' || !Array.isArray(e.trees)) return fail('"base" must be a number and "trees" an array');
  for (const [k, tree] of e.trees.entries()) {
    const size = tree.feature?.length;
    const arrays = [tree.feature, tree.threshold, tree.left, tree.right, tree.value];
    if (size === undefined || !arrays.every((a) => Array.isArray(a) && a.length === size)) fail(`trees[${k}] must have 5 arrays of one length`);
    for (let i = 0; i < (size as number); i++) {
      const f = tree.feature[i] as number;
      const inRange = (c: number) => Number.isInteger(c) && c > i && c < (size as number);
      if (f >= width || (f >= 0 && !(inRange(tree.left[i] as number) && inRange(tree.right[i] as number)))) fail(`trees[${k}] node ${i} is malformed`);
    }
  }
  return e as TreeEnsemble;
}

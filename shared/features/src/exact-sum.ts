/**
 * Exact sums of doubles (Shewchuk's non-overlapping partials, as Python's math.fsum): a sum held
 * as a few doubles whose exact total is the exact sum of everything added, rounded correctly only
 * when read. The rounded result depends on the values alone, never on the order they were added
 * in nor on how the work was split and merged, which is what lets a window baseline built from
 * several partitions' partial aggregates equal one built by a single instance, bit for bit.
 */

/** Adds `x` to `partials` exactly (partials stay non-overlapping, by increasing magnitude). */
export function exactAdd(partials: number[], x: number): void {
  let i = 0;
  for (let j = 0; j < partials.length; j++) {
    let y = partials[j] as number;
    if (Math.abs(x) < Math.abs(y)) [x, y] = [y, x];
    const hi = x + y;
    const lo = y - (hi - x);
    if (lo !== 0) partials[i++] = lo;
    x = hi;
  }
  partials[i] = x;
  // Shortened only when partials were absorbed: setting the length is costly on this hot path.
  if (partials.length > i + 1) partials.length = i + 1;
}

/** The exact sum of `partials`, correctly rounded (round half to even). */
export function exactValue(partials: readonly number[]): number {
  let n = partials.length;
  if (n === 0) return 0;
  let hi = partials[--n] as number;
  let lo = 0;
  while (n > 0) {
    const x = hi;
    const y = partials[--n] as number;
    hi = x + y;
    lo = y - (hi - x);
    if (lo !== 0) break;
  }
  // A tie broken the wrong way by the last addition: the partials below say which way to go.
  const below = n > 0 ? (partials[n - 1] as number) : 0;
  if ((lo < 0 && below < 0) || (lo > 0 && below > 0)) {
    const y = lo * 2;
    const x = hi + y;
    if (y === x - hi) hi = x;
  }
  return hi;
}

const SPLITTER = 134_217_729; // 2^27 + 1 (Veltkamp)

/** a · b as the exact pair [product, error] (Dekker), barring overflow and underflow. */
export function exactProduct(a: number, b: number): [number, number] {
  const p = a * b;
  let c = SPLITTER * a;
  const ah = c - (c - a);
  const al = a - ah;
  c = SPLITTER * b;
  const bh = c - (c - b);
  const bl = b - bh;
  return [p, ah * bh - p + ah * bl + al * bh + al * bl];
}

/** The rounding error of a · a (exactProduct(a, a)[1]) without the pair: the hot path of every aggregate add. */
export function exactSquareError(a: number): number {
  const p = a * a;
  const c = SPLITTER * a;
  const ah = c - (c - a);
  const al = a - ah;
  return ah * ah - p + ah * al + al * ah + al * al;
}

/**
 * A DDSketch bin store: the (key, count) pairs the library's `DenseStore` would hold, grown only
 * when a key falls outside its bins.
 *
 * `DenseStore` recentres its bins (`_shiftBins`: a slice, then an unshift of a fresh array) every
 * time a key falls below the lowest key seen so far, even when its bins already cover that key,
 * so a store fed values in no particular order reallocates again and again: in the window stage
 * that was 13 % of the stage's time. This store moves its bins only when a key falls outside them,
 * into an array with half the span again as room, so an add is amortised O(1) and allocates
 * nothing; a copy takes only the keys in use.
 *
 * `keyAtRank` walks the bins in key order and counts, as `DenseStore`'s does: with the same pairs
 * it returns the same key however the bins are laid out.
 */

/** Bins of a store's first allocation: most features' values span a few dozen keys. */
const INITIAL_BINS = 32;

export class GrowingStore {
  /** Counts by key − offset; zero outside [minKey, maxKey]. */
  bins: number[] = [];
  offset = 0;
  count = 0;
  minKey = Number.POSITIVE_INFINITY;
  maxKey = Number.NEGATIVE_INFINITY;

  add(key: number, weight = 1): void {
    let index = key - this.offset;
    if (index < 0 || index >= this.bins.length) {
      this.grow(key, key);
      index = key - this.offset;
    }
    this.bins[index] = (this.bins[index] as number) + weight;
    this.count += weight;
    if (key < this.minKey) this.minKey = key;
    if (key > this.maxKey) this.maxKey = key;
  }

  /** Add every bin of `store`. */
  merge(store: GrowingStore): void {
    if (store.count === 0) return;
    // One grow up front for the union of both ranges, then plain adds into bins that fit.
    this.grow(store.minKey, store.maxKey);
    const bins = store.bins;
    for (let key = store.minKey; key <= store.maxKey; key++) {
      const count = bins[key - store.offset] as number;
      if (count > 0) this.add(key, count);
    }
  }

  /** This store's copy holding the same pairs, its bins only the keys in use. */
  clone(): GrowingStore {
    const copy = new GrowingStore();
    if (this.count === 0) return copy;
    copy.bins = this.bins.slice(this.minKey - this.offset, this.maxKey - this.offset + 1);
    copy.offset = this.minKey;
    copy.count = this.count;
    copy.minKey = this.minKey;
    copy.maxKey = this.maxKey;
    return copy;
  }

  /**
   * The key of the value at `rank` (0-based): the first key whose running count passes it
   * (`lower`), or reaches rank + 1 (not `lower`); past the end, the highest key.
   */
  keyAtRank(rank: number, lower = true): number {
    let running = 0;
    const bins = this.bins;
    for (let i = 0; i < bins.length; i++) {
      running += bins[i] as number;
      if (lower ? running > rank : running >= rank + 1) return i + this.offset;
    }
    return this.maxKey;
  }

  /** Bins covering `low`..`high` and every key held, moved at most once. */
  reserve(low: number, high: number): void {
    this.grow(low, high);
  }

  /** Re-lay the bins so that `from`..`to` and every key held fit, with room for half the span again. */
  private grow(from: number, to: number): void {
    const low = Math.min(from, this.minKey);
    const high = Math.max(to, this.maxKey);
    if (low - this.offset >= 0 && high - this.offset < this.bins.length) return;
    const span = high - low + 1;
    const length = Math.max(INITIAL_BINS, span + (span >> 1));
    // The room goes to the side the range grew on: values tend to keep going the way they went.
    let offset: number;
    if (this.count === 0) offset = low - ((length - span) >> 1);
    else if (from < this.minKey) offset = high + 1 - length;
    else offset = low;
    const bins = new Array<number>(length).fill(0);
    const old = this.bins;
    for (let i = 0; i < old.length; i++) {
      const count = old[i] as number;
      if (count !== 0) bins[this.offset + i - offset] = count;
    }
    this.bins = bins;
    this.offset = offset;
  }
}

/**
 * Binary min-heaps ordered by (time, seq). `seq` is unique, so the pop order is fully decided by
 * the keys, never by the heap's internal layout: a heap rebuilt from a checkpoint pops in
 * exactly the same order as the one it was saved from.
 */

export interface HeapItem {
  /** The time this item is due (a timer) or happened (an event). */
  time: number;
  /** Unique tie-breaker, assigned in arrival or creation order. */
  seq: number;
  /** Position in the heap array; -1 when not in a heap. Maintained by `IndexedHeap`. */
  heapIndex: number;
}

function before(a: HeapItem, b: HeapItem): boolean {
  return a.time < b.time || (a.time === b.time && a.seq < b.seq);
}

/** A heap whose items know their position, so one item's key can move in O(log n). */
export class IndexedHeap<T extends HeapItem> {
  private readonly items: T[] = [];

  get size(): number {
    return this.items.length;
  }

  peek(): T | undefined {
    return this.items[0];
  }

  push(item: T): void {
    item.heapIndex = this.items.length;
    this.items.push(item);
    this.up(item.heapIndex);
  }

  pop(): T | undefined {
    const top = this.items[0];
    if (top !== undefined) this.remove(top);
    return top;
  }

  remove(item: T): void {
    const index = item.heapIndex;
    const last = this.items.pop() as T;
    item.heapIndex = -1;
    if (last !== item) {
      this.items[index] = last;
      last.heapIndex = index;
      this.down(index);
      this.up(last.heapIndex);
    }
  }

  /** The items in pop order, without popping them. */
  sorted(): T[] {
    return [...this.items].sort((a, b) => (before(a, b) ? -1 : before(b, a) ? 1 : 0));
  }

  /** Re-position `item` after its `time` changed (either way). */
  update(item: T): void {
    this.up(item.heapIndex);
    this.down(item.heapIndex);
  }

  private up(index: number): void {
    const items = this.items;
    const item = items[index] as T;
    while (index > 0) {
      const parentIndex = (index - 1) >> 1;
      const parent = items[parentIndex] as T;
      if (!before(item, parent)) break;
      items[index] = parent;
      parent.heapIndex = index;
      index = parentIndex;
    }
    items[index] = item;
    item.heapIndex = index;
  }

  private down(index: number): void {
    const items = this.items;
    const length = items.length;
    const item = items[index] as T;
    for (;;) {
      const left = 2 * index + 1;
      if (left >= length) break;
      const right = left + 1;
      let child = left;
      if (right < length && before(items[right] as T, items[left] as T)) child = right;
      const candidate = items[child] as T;
      if (!before(candidate, item)) break;
      items[index] = candidate;
      candidate.heapIndex = index;
      index = child;
    }
    items[index] = item;
    item.heapIndex = index;
  }
}

/**
 * Putting many time-ordered streams into one: a binary min-heap keyed by time, ties broken by
 * insertion order so that the merged order (and so the output) is deterministic.
 */

export interface Timed {
  time: number;
}

interface Slot<T> {
  time: number;
  seq: number;
  item: T;
}

export class TimeHeap<T> {
  private readonly slots: Array<Slot<T>> = [];
  private seq = 0;

  get size(): number {
    return this.slots.length;
  }

  push(time: number, item: T): void {
    const slots = this.slots;
    const slot = { time, seq: this.seq++, item };
    let i = slots.length;
    slots.push(slot);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = slots[parent] as Slot<T>;
      if (!before(slot, p)) break;
      slots[i] = p;
      i = parent;
    }
    slots[i] = slot;
  }

  /** The earliest entry's time, or Infinity when empty. */
  peekTime(): number {
    return this.slots[0]?.time ?? Number.POSITIVE_INFINITY;
  }

  pop(): T | undefined {
    const slots = this.slots;
    const top = slots[0];
    const last = slots.pop();
    if (top === undefined || last === undefined) return undefined;
    if (slots.length > 0) {
      let i = 0;
      const n = slots.length;
      for (;;) {
        const left = 2 * i + 1;
        if (left >= n) break;
        const right = left + 1;
        let child = left;
        if (right < n && before(slots[right] as Slot<T>, slots[left] as Slot<T>)) child = right;
        const c = slots[child] as Slot<T>;
        if (!before(c, last)) break;
        slots[i] = c;
        i = child;
      }
      slots[i] = last;
    }
    return top.item;
  }
}

function before<T>(a: Slot<T>, b: Slot<T>): boolean {
  return a.time < b.time || (a.time === b.time && a.seq < b.seq);
}

/** Merges iterables that are each in time order into one in time order (lazily). */
export function* mergeByTime<T extends Timed>(sources: Iterable<Iterable<T>>): Generator<T> {
  const heap = new TimeHeap<{ value: T; rest: Iterator<T> }>();
  for (const source of sources) {
    const rest = source[Symbol.iterator]();
    const first = rest.next();
    if (!first.done) heap.push(first.value.time, { value: first.value, rest });
  }
  while (heap.size > 0) {
    const head = heap.pop();
    if (!head) break;
    yield head.value;
    const next = head.rest.next();
    if (!next.done) heap.push(next.value.time, { value: next.value, rest: head.rest });
  }
}

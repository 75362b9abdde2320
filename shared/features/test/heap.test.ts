/** The indexed heap against a sorted list, under random pushes, pops, removals and key moves. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IndexedHeap, type HeapItem } from '../src/heap.js';
import { prng } from './helpers.js';

test('pops in (time, seq) order whatever the operations before', () => {
  const random = prng(5);
  const heap = new IndexedHeap<HeapItem>();
  const live: HeapItem[] = [];
  let seq = 0;
  const order = (a: HeapItem, b: HeapItem) => a.time - b.time || a.seq - b.seq;
  for (let step = 0; step < 5000; step++) {
    const r = random();
    if (r < 0.45 || live.length === 0) {
      const item = { time: Math.floor(random() * 100), seq: seq++, heapIndex: -1 };
      heap.push(item);
      live.push(item);
    } else if (r < 0.65) {
      const expected = [...live].sort(order)[0];
      assert.equal(heap.pop(), expected);
      live.splice(live.indexOf(expected as HeapItem), 1);
    } else if (r < 0.8) {
      const item = live.splice(Math.floor(random() * live.length), 1)[0] as HeapItem;
      heap.remove(item);
      assert.equal(item.heapIndex, -1);
    } else {
      const item = live[Math.floor(random() * live.length)] as HeapItem;
      item.time = Math.floor(random() * 100);
      heap.update(item);
    }
    assert.equal(heap.size, live.length);
  }
  assert.deepEqual(heap.sorted(), [...live].sort(order));
  const drained: HeapItem[] = [];
  for (let item = heap.pop(); item !== undefined; item = heap.pop()) drained.push(item);
  assert.deepEqual(drained, [...live].sort(order));
});

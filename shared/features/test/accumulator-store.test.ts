/**
 * The compact accumulator store: slots are reused clean (a widened histogram included), and a
 * record in a busy store gives exactly the snapshot of the same requests in a store of its own.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AccumulatorStore, SessionAccumulator, type CustomerContext } from '../src/accumulator.js';
import { snapshotAccumulator } from '../src/accumulator-state.js';
import { localClock } from '../src/local-time.js';
import { siteHosts } from '../src/referrer.js';
import { longSession, traffic } from './helpers.js';

const context: CustomerContext = { clock: localClock('UTC'), site: siteHosts('shop') };

test('a released slot comes back empty, even after its histogram was widened', () => {
  const store = new AccumulatorStore();
  const slot = store.allocate();
  for (const event of longSession(70_000)) store.add(slot, event, false, context);
  assert.ok(Math.max(...snapshotAccumulator(new SessionAccumulator(store, slot)).h.filter((_, i) => i % 2 === 1)) > 65_535);
  store.release(slot);
  const again = store.allocate();
  assert.equal(again, slot, 'the freed slot is reused');
  assert.equal(store.size, 1);
  const events = traffic(40, 3);
  const fresh = new SessionAccumulator();
  for (const event of events) {
    store.add(again, event, false, context);
    fresh.add(event, false, context);
  }
  assert.deepStrictEqual(snapshotAccumulator(new SessionAccumulator(store, again)), snapshotAccumulator(fresh));
});

test('records side by side across slabs do not touch each other', () => {
  const store = new AccumulatorStore();
  const events = traffic(300, 9);
  const slots = Array.from({ length: 2_100 }, () => store.allocate()); // three slabs of 1,024
  const alone = new SessionAccumulator();
  for (const event of events) {
    alone.add(event, false, context);
    for (const slot of [0, 1_023, 1_024, 2_099]) store.add(slots[slot] as number, event, false, context);
  }
  const expected = snapshotAccumulator(alone);
  for (const slot of [0, 1_023, 1_024, 2_099]) {
    assert.deepStrictEqual(snapshotAccumulator(new SessionAccumulator(store, slots[slot] as number)), expected, `slot ${slot}`);
  }
  assert.equal(snapshotAccumulator(new SessionAccumulator(store, slots[1] as number)).s[0], 0, 'an untouched neighbour stays empty');
});

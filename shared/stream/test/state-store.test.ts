import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jsonStateCodec } from '../src/state/codec.js';
import { changelogPartition, changelogRecords } from '../src/state/changelog.js';
import { KeyedStateStore } from '../src/state/store.js';

interface Session {
  count: number;
}

test('a layer reads through, keeps its writes to itself until committed', () => {
  const store = new KeyedStateStore<Session>(jsonStateCodec());
  store.put('a', { count: 1 });
  const layer = store.layer();
  assert.deepEqual(layer.get('a'), { count: 1 });
  layer.set('a', { count: 2 });
  layer.set('b', { count: 1 });
  layer.delete('missing');
  assert.deepEqual(store.get('a'), { count: 1 });
  assert.equal(store.has('b'), false);
  assert.deepEqual(layer.changes(), [
    ['a', { count: 2 }],
    ['b', { count: 1 }],
    ['missing', undefined],
  ]);
  layer.commit();
  assert.deepEqual(store.get('a'), { count: 2 });
  assert.deepEqual(store.get('b'), { count: 1 });
});

test('values from get are copies: changing one without set changes nothing stored', () => {
  const store = new KeyedStateStore<Session>(jsonStateCodec());
  store.put('a', { count: 1 });
  const layer = store.layer();
  const value = layer.get('a')!;
  value.count = 99;
  assert.equal(layer.get('a'), value, 'the same copy within the layer');
  assert.deepEqual(store.get('a'), { count: 1 });
  layer.commit();
  assert.deepEqual(store.get('a'), { count: 1 });
});

test('nested layers roll back one record without touching the others', () => {
  const store = new KeyedStateStore<Session>(jsonStateCodec());
  const batch = store.layer();
  const good = batch.layer();
  good.set('a', { count: 1 });
  good.commit();
  const bad = batch.layer();
  bad.set('a', { count: 100 });
  bad.delete('b');
  // dropped: never committed
  assert.deepEqual(batch.get('a'), { count: 1 });
  assert.equal(store.size, 0);
  batch.commit();
  assert.deepEqual([...store.entries()], [['a', { count: 1 }]]);
});

test('entries merges stored values with the layer’s writes and deletions', () => {
  const store = new KeyedStateStore<Session>(jsonStateCodec());
  store.put('a', { count: 1 });
  store.put('b', { count: 2 });
  const layer = store.layer();
  layer.delete('a');
  layer.set('c', { count: 3 });
  layer.set('b', { count: 20 });
  assert.deepEqual(Object.fromEntries(layer.entries()), { b: { count: 20 }, c: { count: 3 } });
  assert.equal(layer.size, 2);
  assert.equal(layer.has('a'), false);
});

test('changelog records name the input partition, end with the offset, and stay in one changelog partition', () => {
  const changelog = { topic: 'g.counts.changelog', partitions: 6, codec: jsonStateCodec<Session>() };
  const input = { topic: 'weir.logs.acme', partition: 2 };
  const records = changelogRecords(changelog, input, [['k1', { count: 1 }], ['k2', undefined]], 42);
  assert.deepEqual(
    records.map((r) => [r.key, r.value?.toString() ?? null]),
    [
      ['weir.logs.acme\u00002\u0000kk1', '{"count":1}'],
      ['weir.logs.acme\u00002\u0000kk2', null],
      ['weir.logs.acme\u00002\u0000coffset', '42'],
    ],
  );
  const partition = changelogPartition(input, 6);
  assert.ok(records.every((r) => r.partition === partition && r.topic === 'g.counts.changelog'));
  // Partitions of one input topic spread over the changelog's partitions.
  const spread = new Set([0, 1, 2, 3, 4, 5].map((p) => changelogPartition({ topic: 'weir.logs.acme', partition: p }, 6)));
  assert.equal(spread.size, 6);
});

test('the live object comes back with a committed layer and is gone with a dropped one', () => {
  const store = new KeyedStateStore<Session, { applied: number }>(jsonStateCodec());
  const batch = store.layer();
  batch.live.set({ applied: 0 });
  batch.commit();

  // A chunk takes it, changes it, then fails: its layer is dropped, and the object with it.
  const chunk = store.layer().layer();
  chunk.live.get()!.applied += 3;
  const replay = store.layer();
  assert.equal(replay.live.get(), undefined, 'rebuilt from the state, never reused half-applied');

  // A record's layer committed into the batch's, then the batch's committed: the object is back.
  replay.live.set({ applied: 0 });
  const record = replay.layer();
  record.live.get()!.applied += 1;
  record.commit();
  const dropped = replay.layer();
  assert.equal(dropped.live.get()?.applied, 1);
  const next = replay.layer();
  assert.equal(next.live.get(), undefined, 'a dropped record layer took it along');
  next.live.set({ applied: 1 });
  next.commit();
  replay.commit();
  const check = store.layer();
  assert.deepEqual(check.live.get(), { applied: 1 });
  check.commit();

  // Set without reading: what lies below stays valid if the layer is dropped.
  store.layer().live.set({ applied: 99 });
  assert.deepEqual(store.layer().live.get(), { applied: 1 });
});

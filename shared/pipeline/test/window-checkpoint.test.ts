/**
 * The window stage's checkpoint of a partition: one small part per customer, open window, pending
 * session and tracked session, so a customer with many open windows never makes one changelog
 * record larger than Kafka's message limit; a checkpoint of the layout before (one part per
 * customer, fixtures/window-checkpoint-v1.json) still restores, exactly.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { SESSION_PROGRESS_HEADER, logsTopic, sessionProgressHeader, sessionProgressValue, type SessionFeatures } from '@weir/contracts';
import { silentLogger, type InputRecord, type OutputRecord, type StageContext, type StateView } from '@weir/stream';
import { windowStage, type WindowState } from '../src/index.js';
import type { Held } from '../src/partition-checkpoint.js';
import { windowCheckpointParts, type WindowPart } from '../src/window-checkpoint.js';
import type { WindowBaseline, WindowBaselineSnapshot } from '@weir/features';
import { FIXTURE_WINDOW, fixtureSessions } from './window-checkpoint-input.js';
import { mapState } from './map-state.js';

/** A fresh live slot: the stage rebuilds its baseline from `state`, as after a restart. */
function restarted<L>(state: StateView<WindowState>): StageContext<WindowState, L> {
  let live: L | undefined;
  return { topic: 'weir.sessions', partition: 0, state, live: { get: () => live, set: (v) => void (live = v) }, log: silentLogger() };
}

const input = (records: SessionFeatures[], from: number): InputRecord<SessionFeatures>[] =>
  records.map((value, i) => ({ topic: 'weir.sessions', partition: 0, offset: from + i, key: Buffer.from(value.sessionId), value, headers: {}, timestamp: value.lastTime }));
const stage = () => windowStage({ window: FIXTURE_WINDOW, sessionPartitions: 1, partialsPartitions: 1 });
// The pieces and progress records, without the `at` stamps (each run's own wall clock for progress).
const comparable = (outputs: OutputRecord<unknown>[]) => JSON.stringify(outputs.map((o) => ({ ...o, value: { ...(o.value as object), at: null } })));

const { first, second } = fixtureSessions();

test('a checkpoint of the layout before (one part per customer) restores exactly, and is rewritten in small parts', async () => {
  const fixture = JSON.parse(readFileSync(new URL('./fixtures/window-checkpoint-v1.json', import.meta.url), 'utf8')) as { entries: Array<[string, WindowState]> };
  const old = mapState(fixture.entries);
  assert.ok(old.map.has('p:acme') && old.map.has('p:globex'), 'the fixture holds one part per customer');

  // Reference: the same first batch under this code, then the second batch after a restart.
  const fresh = mapState<WindowState>();
  await stage().process(input(first, 0), restarted(fresh));
  const expected = await stage().process(input(second, first.length), restarted(fresh));

  const outputs = await stage().process(input(second, first.length), restarted(old));
  assert.ok(expected.some((o) => (o.value as { kind: string }).kind === 'window' && (o.value as { closed: boolean }).closed), 'the second batch closes windows');
  assert.equal(comparable(outputs), comparable(expected));
  // Rewritten in this layout: the customers' parts are small, and the state equals the reference's.
  assert.deepEqual([...old.map.keys()].sort(), [...fresh.map.keys()].sort());
  for (const [key, entry] of old.map) assert.deepEqual(entry, fresh.map.get(key), key);
});

test('each open window, pending session and tracked session is a part of its own; a closed window\'s parts are deleted', async () => {
  const state = mapState<WindowState>();
  await stage().process(input(first, 0), restarted(state));
  const kinds = (s: typeof state): string[] => [...s.map.values()].map((e) => (e.kind === 'part' && 'kind' in e.part ? e.part.kind : e.kind));
  for (const kind of ['meta', 'customer', 'window', 'pending', 'session']) assert.ok(kinds(state).includes(kind), `a ${kind} part`);
  const windowKeys = () => [...state.map.keys()].filter((k) => /\u0000w\d+$/.test(k));
  const before = windowKeys();
  await stage().process(input(second, first.length), restarted(state));
  const closedWindows = before.filter((k) => !windowKeys().includes(k));
  assert.ok(closedWindows.length > 0, 'windows closed');
  for (const key of closedWindows) assert.ok(![...state.map.keys()].some((k) => k.startsWith(key)), `${key} and its pending sessions deleted`);
  const largest = Math.max(...[...state.map.values()].map((e) => JSON.stringify(e).length));
  const customer = JSON.stringify((JSON.parse(readFileSync(new URL('./fixtures/window-checkpoint-v1.json', import.meta.url), 'utf8')) as { entries: Array<[string, WindowState]> }).entries.find(([k]) => k === 'p:acme'));
  assert.ok(largest < customer.length / 2, `the largest part (${largest} bytes) is a fraction of a customer's whole snapshot (${customer.length})`);
});

test('the log partitions\' progress is checkpointed: after a restart the window stage waits for the same partitions and closes the same windows', async () => {
  const progress = (customer: string, partition: number, watermark: number, offset: number): InputRecord<SessionFeatures> => {
    const header = sessionProgressHeader({ topic: logsTopic(customer), partition, partitions: 2, watermark, idle: false });
    return { topic: 'weir.sessions', partition: 0, offset, key: null, value: sessionProgressValue(customer, watermark), headers: { [SESSION_PROGRESS_HEADER]: Buffer.from(header) }, timestamp: watermark };
  };
  const end = Math.max(...[...first, ...second].map((s) => s.lastTime));
  // Log partition 0 of each customer has read everything; partition 1 only its first session.
  const ahead = ['acme', 'globex'].map((c, i) => progress(c, 0, end + 600_000, i));
  const start = Math.min(...first.map((s) => s.lastTime));
  const behind = ['acme', 'globex'].map((c, i) => progress(c, 1, start, 2 + i));
  const batch = [...ahead, ...behind, ...input(first, 4)];
  const closing = ['acme', 'globex'].map((c, i) => progress(c, 1, end + 600_000, 1_000 + i));
  const closedOf = (outputs: OutputRecord<unknown>[]) =>
    outputs.map((o) => o.value as { kind: string; closed: boolean; customer: string; windowStart: number; sessionCount: number }).filter((v) => v.kind === 'window' && v.closed).map((v) => `${v.customer}@${v.windowStart}:${v.sessionCount}`);

  const uninterrupted = mapState<WindowState>();
  const live = restarted<never>(uninterrupted);
  const early = await stage().process(batch, live);
  assert.deepEqual(closedOf(early), [], 'partition 1 of each customer is behind: nothing closes, however far partition 0 is');
  const expected = closedOf(await stage().process(closing, live));
  assert.ok(expected.length > 3, `partition 1 caught up: the windows close (${expected.length})`);

  const crashed = mapState<WindowState>();
  await stage().process(batch, restarted(crashed));
  // A new stage instance and no live baseline: everything it knows comes from the checkpoint.
  assert.deepEqual(closedOf(await stage().process(closing, restarted(crashed))), expected);
});

test('kept live across small batches, a partition writes only the parts that changed, and its state is always the whole baseline in parts', async () => {
  const records = [...first, ...second];
  const state = mapState<WindowState>();
  let live: Held<WindowBaseline> | undefined;
  const ctx: StageContext<WindowState, Held<WindowBaseline>> = { topic: 'weir.sessions', partition: 0, state, live: { get: () => live, set: (v) => void (live = v) }, log: silentLogger() };
  const written: string[] = [];
  const set = state.set;
  state.set = (key, value) => {
    written.push(key);
    set(key, value);
  };
  const kept = stage();
  const parts = windowCheckpointParts(FIXTURE_WINDOW);
  let partsTotal = 0;
  let partsWritten = 0;
  for (let i = 0; i < records.length; i += 3) {
    written.length = 0;
    await kept.process(input(records.slice(i, i + 3), i), ctx);
    // What a checkpoint of the whole baseline would hold.
    const baseline = live!.processor;
    const split = parts.split(baseline.snapshot());
    const expected = new Map(split.parts.map(([key, part]) => [`p:${key}`, { kind: 'part', part }]));
    assert.deepEqual(new Map([...state.map].filter(([key]) => key.startsWith('p:'))), expected, `state after the batch at ${i}`);
    assert.deepEqual((state.map.get('meta') as { meta: unknown }).meta, split.meta);
    partsTotal += expected.size;
    partsWritten += written.filter((key) => key.startsWith('p:')).length;
  }
  assert.ok(partsWritten < partsTotal / 2, `${partsWritten} parts written of ${partsTotal} held after the batches`);
  // Restored from that state, the baseline is the live one.
  const restored = parts.restore(parts.join((state.map.get('meta') as { meta: WindowBaselineSnapshot }).meta, [...state.map].filter(([key]) => key.startsWith('p:')).map(([, e]) => (e as { part: WindowPart }).part)));
  // (Which sessions a customer tracks is a set: its order in the changelog is the order keys were first written.)
  const sets = (snap: WindowBaselineSnapshot) => ({
    ...snap,
    customers: snap.customers.map((c) => ({ ...c, lastSeen: [...c.lastSeen].sort(), closed: [...(c.closed ?? [])].sort() })),
  });
  assert.deepEqual(sets(restored.snapshot()), sets(live!.processor.snapshot()));
});

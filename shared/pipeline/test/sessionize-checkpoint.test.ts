/**
 * The sessionize stage's incremental checkpoints, through the stage's own process calls over a
 * plain state: the state a run leaves, JSON round-tripped as the changelog holds it, restores a
 * stage that continues exactly as the uninterrupted one; and a checkpoint of the older layout
 * (the reorder buffer inside the meta entry) restores, and its buffer survives the next restore.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RequestEvent, SessionFeatures } from '@weir/contracts';
import { Sessionizer } from '@weir/features';
import { silentLogger, type InputRecord, type LiveSlot, type StageContext, type StateView } from '@weir/stream';
import { parsedEvents } from '@weir/testing';
import { sessionizeStage, sessionizeStateCodec, type SessionizeState } from '../src/index.js';

const codec = sessionizeStateCodec();

const CONFIG = { gapMs: 5 * 60_000, allowedLatenessMs: 60_000, updateEveryEvents: 4, updateAfterMs: 30_000 };

const events = () => parsedEvents({ customers: 1, durationMs: 40 * 60_000, seed: 'checkpoint' }, { customer: () => 'shop' });

/** The changelog's view of a partition: values in the stage's changelog codec, as they are written and read back. */
class PlainState implements StateView<SessionizeState> {
  readonly values = new Map<string, Buffer>();
  get(key: string) {
    const bytes = this.values.get(key);
    return bytes === undefined ? undefined : codec.decode(bytes);
  }
  has(key: string) {
    return this.values.has(key);
  }
  set(key: string, value: SessionizeState) {
    this.values.set(key, codec.encode(value));
  }
  delete(key: string) {
    this.values.delete(key);
  }
  *entries(): IterableIterator<[string, SessionizeState]> {
    for (const key of this.values.keys()) yield [key, this.get(key)!];
  }
  get size() {
    return this.values.size;
  }
}

type Ctx = StageContext<SessionizeState, Parameters<NonNullable<ReturnType<typeof sessionizeStage>['process']>>[1]['live'] extends LiveSlot<infer L> ? L : never>;

function context(state: PlainState): Ctx {
  let live: unknown;
  return { topic: 'weir.logs.shop', partition: 0, state, live: { get: () => live as never, set: (v) => (live = v) }, log: silentLogger() };
}

function feed(stage: ReturnType<typeof sessionizeStage>, ctx: Ctx, batch: RequestEvent[], offset: number): SessionFeatures[] {
  const records: InputRecord<RequestEvent>[] = batch.map((value, i) => ({ topic: ctx.topic, partition: 0, offset: offset + i, key: null, value, timestamp: value.eventTime }) as InputRecord<RequestEvent>);
  return (stage.process(records, ctx) as Array<{ value: SessionFeatures }>).map((o) => o.value);
}

function uninterrupted(all: RequestEvent[]): SessionFeatures[] {
  const sessionizer = new Sessionizer(CONFIG);
  const out: SessionFeatures[] = [];
  for (const e of all) out.push(...sessionizer.push(e).records);
  return out;
}

test('the state of incremental checkpoints restores a stage that continues as the uninterrupted one', () => {
  const all = events();
  assert.ok(all.length > 1500, `${all.length} events`);
  const expected = uninterrupted(all);
  const state = new PlainState();
  const got: SessionFeatures[] = [];
  const cut = Math.floor(all.length / 2);
  let ctx = context(state);
  let stage = sessionizeStage({ sessionizer: CONFIG });
  for (let i = 0; i < all.length; i += 97) {
    if (i >= cut && i < cut + 97) {
      // A restart: a new stage with nothing live, only the state.
      stage = sessionizeStage({ sessionizer: CONFIG });
      ctx = context(state);
    }
    got.push(...feed(stage, ctx, all.slice(i, i + 97), i));
  }
  assert.deepStrictEqual(got, expected);
  assert.ok([...state.values.keys()].some((k) => k.startsWith('p:\u0000s')), 'buffer spans are parts of their own');
});

test('a checkpoint with the buffer in its meta entry (the older layout) restores, and its buffer is kept by the next checkpoint', () => {
  const all = events();
  const expected = uninterrupted(all);
  const cut = 800;
  const first = new Sessionizer(CONFIG);
  const got: SessionFeatures[] = [];
  for (const e of all.slice(0, cut)) got.push(...first.push(e).records);
  // The older layout: every open session a part, the buffer inline in the meta entry.
  const { sessions, ...meta } = first.snapshot();
  assert.ok(meta.buffer.length > 0, 'the old checkpoint holds buffered events');
  const state = new PlainState();
  state.set('meta', { kind: 'meta', generation: 1, meta: { ...meta, sessions: [] } });
  for (const s of sessions) state.set(`p:${s.customer}\u0000${s.key}`, { kind: 'part', part: s });
  // One batch on the old state, then a restart from what that batch left.
  got.push(...feed(sessionizeStage({ sessionizer: CONFIG }), context(state), all.slice(cut, cut + 10), cut));
  got.push(...feed(sessionizeStage({ sessionizer: CONFIG }), context(state), all.slice(cut + 10), cut + 10));
  assert.deepStrictEqual(got, expected);
});

test('a checkpoint with the buffer in chunks (before spans) restores; the next checkpoint moves its events to a span and deletes the chunks', () => {
  const all = events();
  const expected = uninterrupted(all);
  const cut = 800;
  const first = new Sessionizer(CONFIG);
  const got: SessionFeatures[] = [];
  for (const e of all.slice(0, cut)) got.push(...first.push(e).records);
  const { sessions, buffer, ...meta } = first.snapshot();
  assert.ok(buffer.length > 0, 'the old checkpoint holds buffered events');
  const state = new PlainState();
  state.set('meta', { kind: 'meta', generation: 1, meta: { ...meta, buffer: [], sessions: [] } });
  for (const s of sessions) state.set(`p:${s.customer}\u0000${s.key}`, { kind: 'part', part: s });
  const chunks = new Map<number, typeof buffer>();
  for (const item of buffer) chunks.set(Math.floor(item.seq / 256), [...(chunks.get(Math.floor(item.seq / 256)) ?? []), item]);
  for (const [chunk, items] of chunks) state.set(`p:\u0000${chunk}`, { kind: 'part', part: { chunk, events: items } });
  got.push(...feed(sessionizeStage({ sessionizer: CONFIG }), context(state), all.slice(cut, cut + 10), cut));
  const keys = [...state.values.keys()];
  assert.ok(!keys.some((k) => /^p:\u0000\d+$/.test(k)), 'the chunks are deleted');
  assert.ok(keys.some((k) => k.startsWith('p:\u0000s')), 'their events are in a span');
  got.push(...feed(sessionizeStage({ sessionizer: CONFIG }), context(state), all.slice(cut + 10), cut + 10));
  assert.deepStrictEqual(got, expected);
});

test('the changelog codec writes a buffer span in Avro, smaller than its JSON, and reads back the same span, and JSON entries as before', () => {
  const all = events();
  const sessionizer = new Sessionizer(CONFIG);
  sessionizer.trackChanges();
  for (const e of all.slice(0, 300)) sessionizer.push(e);
  const [span] = sessionizer.takeChanges().bufferSpans;
  assert.ok(span !== undefined && span.events.length > 50, 'a span of buffered events');
  const entry: SessionizeState = { kind: 'part', part: span };
  const bytes = codec.encode(entry);
  assert.notEqual(bytes[0], '{'.charCodeAt(0), 'not JSON');
  const asJson = Buffer.from(JSON.stringify(entry));
  assert.ok(bytes.length < 0.7 * asJson.length, `${bytes.length} bytes, JSON ${asJson.length}`);
  assert.deepStrictEqual(codec.decode(bytes), entry);
  // A span written as JSON (before this codec) reads back too, as does every other entry.
  assert.deepStrictEqual(codec.decode(asJson), entry);
  const meta: SessionizeState = { kind: 'meta', generation: 3, meta: sessionizer.snapshot() };
  assert.deepStrictEqual(codec.decode(codec.encode(meta)), JSON.parse(JSON.stringify(meta)));
});

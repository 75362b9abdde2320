import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SessionFeatures, WindowSummary } from '@weir/contracts';
import { featureSetFingerprint } from '@weir/features';
import { silentLogger, type InputRecord, type StageContext, type StateView } from '@weir/stream';
import { scoreStage, WindowTable, type Scorer, type ScoreState } from '../src/index.js';
import { mapState } from './map-state.js';

const noLive = { get: () => undefined, set: () => assert.fail('the score stage keeps no live object') };
const ctx = (state: StateView<ScoreState>): StageContext<ScoreState> => ({ topic: 'weir.sessions', partition: 0, state, live: noLive, log: silentLogger() });

const session = (id: string, lastTime: number, closed: boolean): SessionFeatures => ({
  customer: 'acme', sessionId: id, sessionKey: id, clientIp: '10.0.0.1', userAgent: null, firstTime: lastTime - 1000, lastTime,
  requestCount: 3, closed, closeReason: null, featureSet: featureSetFingerprint, features: {},
});
const window = (start: number, closed: boolean): WindowSummary => ({
  customer: 'acme', windowStart: start, windowEnd: start + 60_000, sessionCount: 1, closed, featureSet: featureSetFingerprint, features: {},
});
const record = (value: SessionFeatures, offset: number): InputRecord<SessionFeatures> => ({
  topic: 'weir.sessions', partition: 0, offset, key: null, value, headers: {}, timestamp: 0,
});

/** Scores every session 0.9: the join, not the scorer, is under test. */
const scorer: Scorer = {
  version: 'test-1',
  scoreBatch: (items) => items.map(() => ({ score: 0.9, label: 'bot', reasons: [] })),
};

test('updates score at once; a closed session waits for the final summary of its window', async () => {
  const windows = new WindowTable();
  let now = 1_000;
  const stage = scoreStage({ windows, scorer: () => scorer, thresholds: () => ({ suspicious: 0.5, bot: 0.8 }), now: () => now, maxWaitMs: 60_000 });
  const state = mapState<ScoreState>();
  windows.upsert(window(0, false));

  const updates = await stage.process([record(session('a', 30_000, false), 0)], ctx(state));
  assert.equal(updates.length, 1);
  assert.equal(updates[0]?.value.windowStart, 0);
  assert.equal(updates[0]?.value.closed, false);
  assert.equal(updates[0]?.key, 'a');

  const closing = await stage.process([record(session('a', 30_000, true), 1)], ctx(state));
  assert.equal(closing.length, 0, 'the window of its last event is still open');
  assert.equal(state.size, 1);
  assert.equal(stage.onTick ? (await stage.onTick(now, ctx(state))).length : -1, 0);

  windows.upsert(window(0, true));
  const released = await stage.onTick!(now, ctx(state));
  assert.equal(released.length, 1);
  assert.equal(released[0]?.value.closed, true);
  assert.equal(released[0]?.value.windowStart, 0);
  assert.equal(released[0]?.value.modelVersion, 'test-1');
  assert.equal(state.size, 0);

  // A closed session whose window never closes is scored with what there is, after maxWaitMs.
  await stage.process([record(session('b', 90_000, true), 2)], ctx(state));
  now += 59_000;
  assert.equal((await stage.onTick!(now, ctx(state))).length, 0);
  now += 1_000;
  const expired = await stage.onTick!(now, ctx(state));
  assert.equal(expired[0]?.value.sessionId, 'b');
  assert.equal(expired[0]?.value.windowStart, 0, 'the newest window before it');
});

test('a shadow model publishes a second, marked score', async () => {
  const windows = new WindowTable();
  const shadow: Scorer = { version: 'shadow-2', scoreBatch: (items) => items.map(() => ({ score: 0.1, label: 'human', reasons: [] })) };
  const stage = scoreStage({ windows, scorer: () => scorer, shadow: () => shadow, thresholds: () => ({ suspicious: 0.5, bot: 0.8 }) });
  const outputs = await stage.process([record(session('a', 30_000, false), 0)], ctx(mapState<ScoreState>()));
  assert.deepEqual(outputs.map((o) => [o.value.modelVersion, o.value.shadow, o.value.score]), [['test-1', false, 0.9], ['shadow-2', true, 0.1]]);
});

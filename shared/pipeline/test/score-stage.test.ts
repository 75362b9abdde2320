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

  // A closed session whose window does not close gets a provisional score with what there is, after maxWaitMs.
  await stage.process([record(session('b', 90_000, true), 2)], ctx(state));
  now += 59_000;
  assert.equal((await stage.onTick!(now, ctx(state))).length, 0);
  now += 1_000;
  const expired = await stage.onTick!(now, ctx(state));
  assert.equal(expired[0]?.value.sessionId, 'b');
  assert.equal(expired[0]?.value.windowStart, 0, 'the newest window before it');
  assert.equal(expired[0]?.value.closed, false, 'provisional: not its final score');
  assert.equal(state.size, 1, 'it waits on for its final score');
});

/** Scores a session by its baseline's session count: which baseline it met shows in its score. */
const baselineScorer: Scorer = {
  version: 'by-baseline',
  scoreBatch: (items) => items.map(({ baseline }) => ({ score: (baseline?.sessionCount ?? 0) / 100, label: 'human', reasons: [] })),
};
const counted = (start: number, sessionCount: number, closed: boolean): WindowSummary => ({ ...window(start, closed), sessionCount });

test('a closed session has one final score, from its window\'s final summary, however late that comes and however often the session is delivered', async () => {
  const windows = new WindowTable();
  let now = 1_000;
  const stage = scoreStage({ windows, scorer: () => baselineScorer, thresholds: () => ({ suspicious: 0.5, bot: 0.8 }), now: () => now, maxWaitMs: 60_000 });
  const state = mapState<ScoreState>();
  const published: { closed: boolean; score: number }[] = [];
  const keep = (outputs: Awaited<ReturnType<typeof stage.process>>) => published.push(...outputs.map((o) => ({ closed: o.value.closed, score: o.value.score })));

  windows.upsert(counted(0, 1, false));
  const closing = record(session('a', 30_000, true), 7);
  keep(await stage.process([closing], ctx(state)));
  // The window stays open past the longest wait (a slow or restarting window stage).
  now += 60_000;
  keep(await stage.onTick!(now, ctx(state)));
  now += 60_000;
  keep(await stage.onTick!(now, ctx(state)));
  // More sessions join the window, which then closes; meanwhile the stage rejoins its group and
  // the closed session is delivered again, before and after the close.
  windows.upsert(counted(0, 2, false));
  keep(await stage.process([closing], ctx(state)));
  windows.upsert(counted(0, 3, true));
  keep(await stage.onTick!(now, ctx(state)));
  keep(await stage.process([closing], ctx(state)));

  const finals = published.filter((p) => p.closed).map((p) => p.score);
  assert.deepEqual([...new Set(finals)], [0.03], `every final score from the final summary (published: ${JSON.stringify(published)})`);
  assert.deepEqual(published.filter((p) => !p.closed).map((p) => p.score), [0.01], 'one provisional score, from the running summary');
  assert.equal(state.size, 0);
});

test('a closed session whose window the table can no longer hold is finished against the newest baseline there is', async () => {
  const windows = new WindowTable({ retainMs: 120_000 });
  const stage = scoreStage({ windows, scorer: () => baselineScorer, thresholds: () => ({ suspicious: 0.5, bot: 0.8 }), now: () => 0, maxWaitMs: 60_000 });
  const state = mapState<ScoreState>();
  windows.upsert(counted(0, 1, false));
  assert.deepEqual(await stage.process([record(session('late', 30_000, true), 0)], ctx(state)), []);
  windows.upsert(counted(120_000, 4, false));
  assert.deepEqual(await stage.onTick!(0, ctx(state)), [], 'window 0 could still be held');
  windows.upsert(counted(240_000, 5, false));
  const finished = await stage.onTick!(0, ctx(state));
  assert.deepEqual(finished.map((o) => [o.value.sessionId, o.value.closed]), [['late', true]]);
  assert.equal(state.size, 0);
});

test('a shadow model publishes a second, marked score', async () => {
  const windows = new WindowTable();
  const shadow: Scorer = { version: 'shadow-2', scoreBatch: (items) => items.map(() => ({ score: 0.1, label: 'human', reasons: [] })) };
  const stage = scoreStage({ windows, scorer: () => scorer, shadow: () => shadow, thresholds: () => ({ suspicious: 0.5, bot: 0.8 }) });
  const outputs = await stage.process([record(session('a', 30_000, false), 0)], ctx(mapState<ScoreState>()));
  assert.deepEqual(outputs.map((o) => [o.value.modelVersion, o.value.shadow, o.value.score]), [['test-1', false, 0.9], ['shadow-2', true, 0.1]]);
});

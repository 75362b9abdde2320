/**
 * WEIR_CLOSE_IDLE_AFTER after a restart or a rebalance: an instance that takes over a partition
 * and receives no input on it still closes the open sessions it restored, once the partition has
 * been quiet that long — instead of keeping them open until input that may never come.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RequestEvent } from '@weir/contracts';
import { silentLogger, type InputRecord, type StageContext, type StateView } from '@weir/stream';
import { sessionizeStage, type SessionizeState } from '../src/index.js';
import { mapState } from './map-state.js';

// A fresh live slot per call: the stage rebuilds its processor from `state`, as after a restart.
// The partition is caught up with the broker (no backlog): idle-close.test.ts covers a backlog.
function ctx<L>(state: StateView<SessionizeState>): StageContext<SessionizeState, L> {
  let live: L | undefined;
  return {
    topic: 'weir.logs.acme',
    partition: 0,
    state,
    live: { get: () => live, set: (v) => void (live = v) },
    log: silentLogger(),
    caughtUp: async () => true,
  };
}

function event(ip: string, time: number): InputRecord<RequestEvent> {
  const value: RequestEvent = {
    customer: 'acme', eventTime: time, clientIp: ip, userAgent: 'test', method: 'GET', path: '/', query: null, protocol: 'HTTP/1.1',
    status: 200, bytes: 100, referrer: null, host: null, sessionId: null, requestTimeMs: null, extra: {},
  };
  return { topic: 'weir.logs.acme', partition: 0, offset: time, key: null, value, headers: {}, timestamp: time };
}

test('a restarted instance closes the restored sessions of a quiet partition after the idle time', async () => {
  const state = mapState<SessionizeState>();
  const first = sessionizeStage({ closeIdleAfterMs: 5_000 });
  const opened = await first.process([event('10.0.0.1', 1_000), event('10.0.0.2', 2_000)], ctx(state));
  assert.ok(opened.every((o) => !o.value.closed), 'sessions open');
  assert.ok(state.size > 0, 'checkpointed');

  // The next instance restores the same state and gets no input on the partition.
  const second = sessionizeStage({ closeIdleAfterMs: 5_000 });
  const now = Date.now();
  assert.deepEqual(await second.onTick!(now, ctx(state)), [], 'the quiet time starts when the instance first sees the partition');
  assert.deepEqual(await second.onTick!(now + 2_500, ctx(state)), [], 'seen caught up from here on');
  assert.deepEqual(await second.onTick!(now + 4_999, ctx(state)), []);
  const closed = await second.onTick!(now + 5_000, ctx(state));
  assert.deepEqual(closed.map((o) => [o.value.clientIp, o.value.closed, o.value.requestCount]).sort(), [['10.0.0.1', true, 1], ['10.0.0.2', true, 1]]);
  assert.deepEqual(await second.onTick!(now + 20_000, ctx(state)), [], 'closed once, not on every tick after');

  // Without an idle time nothing closes on a tick.
  const third = sessionizeStage();
  await third.process([event('10.0.0.3', 3_000)], ctx(mapState<SessionizeState>()));
  assert.deepEqual(await third.onTick!(now + 60_000, ctx(mapState<SessionizeState>())), []);
});

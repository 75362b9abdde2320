/**
 * WEIR_CLOSE_IDLE_AFTER after a restart or a rebalance: an instance that takes over a partition
 * and receives no input on it still closes the open sessions it restored, once the partition has
 * been quiet 30 s (a grace for a backlog to arrive first) plus the idle time — instead of keeping them open until
 * input that may never come.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RequestEvent } from '@weir/contracts';
import { silentLogger, type InputRecord, type StageContext, type StateView } from '@weir/stream';
import { sessionizeStage, type SessionizeState } from '../src/index.js';

function stateView(): StateView<SessionizeState> {
  const map = new Map<string, SessionizeState>();
  return {
    get: (k) => map.get(k),
    has: (k) => map.has(k),
    set: (k, v) => void map.set(k, v),
    delete: (k) => void map.delete(k),
    entries: () => map.entries(),
    get size() {
      return map.size;
    },
  };
}

const ctx = (state: StateView<SessionizeState>): StageContext<SessionizeState> => ({ topic: 'weir.logs.acme', partition: 0, state, log: silentLogger() });

function event(ip: string, time: number): InputRecord<RequestEvent> {
  const value: RequestEvent = {
    customer: 'acme', eventTime: time, clientIp: ip, userAgent: 'test', method: 'GET', path: '/', query: null, protocol: 'HTTP/1.1',
    status: 200, bytes: 100, referrer: null, host: null, sessionId: null, requestTimeMs: null, extra: {},
  };
  return { topic: 'weir.logs.acme', partition: 0, offset: time, key: null, value, headers: {}, timestamp: time };
}

test('a restarted instance closes the restored sessions of a quiet partition after the idle time', async () => {
  const state = stateView();
  const first = sessionizeStage({ closeIdleAfterMs: 5_000 });
  const opened = await first.process([event('10.0.0.1', 1_000), event('10.0.0.2', 2_000)], ctx(state));
  assert.ok(opened.every((o) => !o.value.closed), 'sessions open');
  assert.ok(state.size > 0, 'checkpointed');

  // The next instance restores the same state and gets no input on the partition.
  const second = sessionizeStage({ closeIdleAfterMs: 5_000 });
  const now = Date.now();
  assert.deepEqual(await second.onTick!(now, ctx(state)), [], 'the quiet time starts when the instance first sees the partition');
  assert.deepEqual(await second.onTick!(now + 34_999, ctx(state)), [], 'a grace for a backlog to arrive first, then the idle time');
  const closed = await second.onTick!(now + 35_000, ctx(state));
  assert.deepEqual(closed.map((o) => [o.value.clientIp, o.value.closed, o.value.requestCount]).sort(), [['10.0.0.1', true, 1], ['10.0.0.2', true, 1]]);
  assert.deepEqual(await second.onTick!(now + 60_000, ctx(state)), [], 'closed once, not on every tick after');

  // Without an idle time nothing closes on a tick.
  const third = sessionizeStage();
  await third.process([event('10.0.0.3', 3_000)], ctx(stateView()));
  assert.deepEqual(await third.onTick!(now + 60_000, ctx(stateView())), []);
});

/** weir start's feed pacing: the gate opens on sessionize's progress, and the feeder says when it is behind. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { simulateTraffic } from '@weir/simulator';
import { createEmbeddedBus } from '@weir/stream';
import { FeedGate } from '../src/embedded/feed-gate.js';
import { TrafficFeeder } from '../src/embedded/traffic-feeder.js';

test('the gate opens once sessionize has taken in all but `ahead` of the lines sent', async () => {
  // An interval no test waits out: only the counts can open the gate.
  const gate = new FeedGate({ ahead: 100, intervalMs: 600_000 });
  await gate.wait(100); // nothing needed yet: open at once
  let opened = false;
  const waiting = gate.wait(1_000).then(() => (opened = true));
  gate.took(500);
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(opened, false, '500 of the 900 needed');
  gate.took(400);
  await waiting;
  assert.equal(opened, true);
  // Counts carry over: 900 taken, so 1,000 sent is within `ahead` already.
  await gate.wait(1_000);
});

test('without the counts the gate still opens after its interval', async () => {
  const gate = new FeedGate({ ahead: 0, intervalMs: 1 });
  await gate.wait(1_000_000);
  await gate.pause();
});

test('the feeder is behind after a tick that stopped at its line limit, not after one that sent all that was due', async () => {
  const bus = createEmbeddedBus();
  const feeder = new TrafficFeeder({
    bus,
    registry: {},
    speed: 1_000_000,
    partitions: 1,
    maxLinesPerTick: 50,
    traffic: simulateTraffic({ customers: 1, durationMs: 3_600_000, seed: 'feed-gate' })[Symbol.iterator](),
  });
  // The first tick starts the clock; at this speed the next one finds hours of traffic due.
  await feeder.tick(Date.now());
  await feeder.tick(Date.now() + 1_000);
  assert.equal(feeder.lines > 0 && feeder.lines <= 100, true, `lines ${feeder.lines}`);
  assert.equal(feeder.behind, true);
  const slow = new TrafficFeeder({
    bus,
    registry: {},
    speed: 1,
    partitions: 1,
    traffic: simulateTraffic({ customers: 1, durationMs: 3_600_000, seed: 'feed-gate' })[Symbol.iterator](),
  });
  await slow.tick(Date.now());
  await slow.tick(Date.now());
  assert.equal(slow.behind, false, 'at real time nothing more is due within a millisecond');
  await feeder.close();
  await slow.close();
  await bus.close();
});

/**
 * The wait for a new topic's leaders has no deadline: a broker that is slow (its metadata moving,
 * other topics appearing) is waited for however long it takes; a broker that shows no progress
 * for the stall limit, or answers with an error, fails the wait. A simulated clock: no real waits.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StreamError } from '../src/errors.js';
import { waitForLeaders, type LeaderProbe } from '../src/client/topics.js';

class NotYet extends Error {}
/** What a client throws when the broker did not answer a request in time. */
class NoAnswer extends Error {}

/** A broker seen through the probe, on a clock that the wait's pauses move forward. */
function simulated(broker: { partitions(at: number): Array<{ leader: number }> | 'unknown' | Error; topics(at: number): string[] | Error }) {
  let clock = 0;
  const calls = { partitions: 0, topics: 0 };
  const probe: LeaderProbe = {
    async partitions() {
      calls.partitions++;
      const answer = broker.partitions(clock);
      if (answer === 'unknown') throw new NotYet('UNKNOWN_TOPIC_OR_PARTITION');
      if (answer instanceof Error) throw answer;
      return answer;
    },
    async topics() {
      calls.topics++;
      const answer = broker.topics(clock);
      if (answer instanceof Error) throw answer;
      return answer;
    },
    notYet: (err) => err instanceof NotYet,
    noAnswer: (err) => err instanceof NoAnswer,
    toError: (err, operation) => new StreamError('WEIR_BUS_KAFKA', `${operation}: ${(err as Error).message}`, { cause: err }),
  };
  const options = {
    stallMs: 60_000,
    now: () => clock,
    pause: async (ms: number) => {
      clock += ms;
    },
  };
  return { probe, options, calls, clock: () => clock };
}

test('a topic whose leaders come after 5 minutes, while the broker lists other new topics meanwhile, is waited for', async () => {
  // Another client's topic every 20 s: the broker applies metadata, slowly.
  const sim = simulated({
    partitions: (at) => (at < 300_000 ? 'unknown' : [{ leader: 1 }, { leader: 1 }]),
    topics: (at) => Array.from({ length: Math.floor(at / 20_000) + 1 }, (_, i) => `other-${i}`),
  });
  await waitForLeaders('t', sim.probe, sim.options);
  assert.ok(sim.clock() >= 300_000, `waited until the leaders came (${sim.clock()} ms)`);
  assert.ok(sim.calls.topics > 0 && sim.calls.topics < sim.calls.partitions / 5, `the topic list asked for now and then (${sim.calls.topics} of ${sim.calls.partitions} polls)`);
});

test('partitions gaining leaders one by one count as progress, with the topic list standing still', async () => {
  // 3 partitions, one more led every 50 s: each step within the stall limit, all of them beyond it.
  const sim = simulated({
    partitions: (at) => [0, 1, 2].map((i) => ({ leader: at >= (i + 1) * 50_000 ? 1 : -1 })),
    topics: () => ['t'],
  });
  await waitForLeaders('t', sim.probe, sim.options);
  assert.ok(sim.clock() >= 150_000 && sim.clock() < 151_000, `returned once the last partition was led (${sim.clock()} ms)`);
});

test('a broker that shows no progress for the stall limit fails the wait, saying where it stood', async () => {
  const sim = simulated({ partitions: () => [{ leader: 1 }, { leader: -1 }], topics: () => ['a', 't'] });
  await assert.rejects(waitForLeaders('t', sim.probe, sim.options), (err: unknown) => {
    assert.ok(err instanceof StreamError, String(err));
    assert.equal(err.code, 'WEIR_BUS_KAFKA');
    assert.match(err.message, /topic "t" has no leader for every partition \(1 of 2 partitions led\), and the broker's metadata showed no progress for 60000 ms/);
    return true;
  });
  assert.ok(sim.clock() > 60_000 && sim.clock() < 62_000, `failed one stall limit after the last change (${sim.clock()} ms)`);
});

test('a stall is counted from the last progress, not from the start', async () => {
  // The topic list moves until 100 s, then nothing does: the wait fails at about 160 s.
  const sim = simulated({ partitions: () => 'unknown', topics: (at) => [`n-${Math.min(Math.floor(at / 10_000), 10)}`] });
  await assert.rejects(waitForLeaders('t', sim.probe, sim.options), /not listed\), and the broker's metadata showed no progress/);
  assert.ok(sim.clock() > 160_000 && sim.clock() < 162_000, `failed 60 s after the last change at 100 s (${sim.clock()} ms)`);
});

test('an error from the broker that is not "not there yet" fails the wait at once', async () => {
  const sim = simulated({ partitions: () => new Error('TOPIC_AUTHORIZATION_FAILED'), topics: () => ['t'] });
  await assert.rejects(waitForLeaders('t', sim.probe, sim.options), (err: unknown) => err instanceof StreamError && /wait for leaders of t: TOPIC_AUTHORIZATION_FAILED/.test(err.message));
  assert.equal(sim.calls.partitions, 1);
  assert.equal(sim.clock(), 0);
});

test('a failing topic list fails the wait with its error', async () => {
  const sim = simulated({
    partitions: () => 'unknown',
    topics: () => {
      throw new Error('connection refused');
    },
  });
  await assert.rejects(waitForLeaders('t', sim.probe, sim.options), /wait for leaders of t: list topics: connection refused/);
  assert.ok(sim.clock() < 2_000, `at the first topic list (${sim.clock()} ms)`);
});

test('metadata requests that time out on a slow broker are no progress, not a failure: the wait goes on while the broker moves between them', async () => {
  // Seen on a saturated CPU: the broker's metadata answers outran the client's request timeout
  // now and then, while other topics kept appearing and the leaders came after 150 s.
  const timedOut = (at: number, slot: number) => Math.floor(at / 10_000) % 2 === slot;
  const sim = simulated({
    partitions: (at) => (at >= 150_000 ? [{ leader: 1 }] : timedOut(at, 0) ? new NoAnswer('Request Metadata(key: 3, version: 6) timed out') : 'unknown'),
    topics: (at) => (timedOut(at, 1) ? new NoAnswer('Request Metadata(key: 3, version: 6) timed out') : Array.from({ length: Math.floor(at / 20_000) + 1 }, (_, i) => `other-${i}`)),
  });
  await waitForLeaders('t', sim.probe, sim.options);
  assert.ok(sim.clock() >= 150_000 && sim.clock() < 151_000, `returned once the leaders came (${sim.clock()} ms)`);
});

test('a broker that only times out fails the wait one stall limit later, naming the unanswered request', async () => {
  const sim = simulated({
    partitions: () => new NoAnswer('Request Metadata(key: 3, version: 6) timed out after 30000ms'),
    topics: () => new NoAnswer('Request Metadata(key: 3, version: 6) timed out after 30000ms'),
  });
  await assert.rejects(waitForLeaders('t', sim.probe, sim.options), (err: unknown) => {
    assert.ok(err instanceof StreamError, String(err));
    assert.equal(err.code, 'WEIR_BUS_KAFKA');
    assert.match(err.message, /topic "t" has no leader for every partition \(no answer yet\), and the broker's metadata showed no progress for 60000 ms; last unanswered: .*timed out after 30000ms/);
    return true;
  });
  assert.ok(sim.clock() > 60_000 && sim.clock() < 62_000, `failed one stall limit after the start (${sim.clock()} ms)`);
  assert.ok(sim.calls.topics > 0, 'the topic list was asked too');
});

test('a timeout does not hide the progress seen before it: a broker that answered, then only timed out, fails a stall limit after its last change', async () => {
  const sim = simulated({
    partitions: (at) => (at < 30_000 ? [{ leader: 1 }, { leader: -1 }] : new NoAnswer('timed out')),
    topics: (at) => (at < 30_000 ? [`n-${Math.floor(at / 5_000)}`] : new NoAnswer('timed out')),
  });
  await assert.rejects(waitForLeaders('t', sim.probe, sim.options), /\(1 of 2 partitions led\), and the broker's metadata showed no progress for 60000 ms; last unanswered: .*timed out/);
  assert.ok(sim.clock() > 85_000 && sim.clock() < 92_000, `failed 60 s after the last change at about 25 s (${sim.clock()} ms)`);
});

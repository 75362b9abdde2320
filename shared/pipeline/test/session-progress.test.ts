/**
 * The sessionize stage's progress records (session-progress.ts): one to every partition of
 * weir.sessions, told by their header; a log partition is reported quiet only once it has been
 * caught up with the broker and without input for the idle time, and once until its next input.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isSessionProgress, logsTopic, sessionProgressOf } from '@weir/contracts';
import { partitionForKey } from '@weir/stream';
import { sessionProgress } from '../src/session-progress.js';

const SESSIONS_PARTITIONS = 4;
const topic = logsTopic('shop');

function reporter(idleAfterMs = 10_000) {
  return sessionProgress({ sessionsPartitions: SESSIONS_PARTITIONS, logPartitions: async () => 3, idleAfterMs }, 'weir.sessions');
}

test('a progress record goes to every partition of weir.sessions, with the log partition, its count and its watermark', async () => {
  const progress = reporter();
  await progress.prepare(topic);
  const records = progress.afterBatch({ topic, partition: 2 }, 1_000_000, 'input');
  const partitions = records.map((r) => partitionForKey(Buffer.from(r.key as string), SESSIONS_PARTITIONS)).sort();
  assert.deepEqual(partitions, [0, 1, 2, 3]);
  for (const record of records) {
    assert.ok(isSessionProgress(record.headers as Record<string, string>));
    assert.deepEqual(sessionProgressOf(record.headers as Record<string, string>), { topic, partition: 2, partitions: 3, watermark: 1_000_000, idle: false });
    assert.equal(record.value.customer, 'shop');
    assert.equal(record.value.sessionId, '');
  }
  // Before the sessionizer has read an event, its watermark is -Infinity: sent as null.
  assert.equal(sessionProgressOf(progress.beforeBatch({ topic, partition: 0 }, Number.NEGATIVE_INFINITY)[0]!.headers as Record<string, string>)?.watermark, null);
  // A topic that is not a customer's log, before any event: no customer to tell about.
  await progress.prepare('other');
  assert.deepEqual(progress.afterBatch({ topic: 'other', partition: 0 }, 5, 'input'), []);
});

test('a log topic carrying several customers: one progress record per customer read from the partition, to every partition', async () => {
  const progress = reporter();
  const shared = logsTopic('run-1');
  await progress.prepare(shared);
  const ctx = { topic: shared, partition: 0 };
  progress.saw(ctx, 'a');
  progress.saw(ctx, 'b');
  progress.saw(ctx, 'a');
  progress.saw({ topic: shared, partition: 1 }, 'c');
  const records = progress.afterBatch(ctx, 7_000, 'input');
  assert.equal(records.length, 2 * SESSIONS_PARTITIONS);
  assert.deepEqual([...new Set(records.map((r) => r.value.customer))].sort(), ['a', 'b']);
});

test('a malformed progress header is refused with a code', () => {
  assert.throws(() => sessionProgressOf({ 'weir-progress': '{"topic":1}' }), { code: 'WEIR_BAD_SESSION_PROGRESS' });
  assert.equal(sessionProgressOf({}), null);
});

test('quiet only after the idle time, caught up, and once until the next input', async () => {
  const progress = reporter(10_000);
  await progress.prepare(topic);
  let caughtUp = false;
  const ctx = { topic, partition: 1, caughtUp: async () => caughtUp };
  const start = Date.now();
  progress.afterBatch(ctx, 500, 'input');
  assert.deepEqual(await progress.onTick(ctx, 500, start + 5_000), [], 'not idle long enough');
  assert.deepEqual(await progress.onTick(ctx, 500, start + 20_000), [], 'behind the broker: a backlog, not quiet');
  caughtUp = true;
  assert.deepEqual(await progress.onTick(ctx, 500, start + 21_000), [], 'the broker is asked at most every few seconds');
  const quiet = await progress.onTick(ctx, 500, start + 26_000);
  assert.equal(quiet.length, SESSIONS_PARTITIONS);
  assert.deepEqual(sessionProgressOf(quiet[0]!.headers as Record<string, string>), { topic, partition: 1, partitions: 3, watermark: 500, idle: true });
  assert.deepEqual(await progress.onTick(ctx, 500, start + 60_000), [], 'reported once');
  // Input again: not quiet until another idle time has passed.
  progress.afterBatch(ctx, 900, 'input');
  assert.deepEqual(await progress.onTick(ctx, 900, Date.now() + 1_000), []);
  assert.equal((await progress.onTick(ctx, 900, Date.now() + 30_000)).length, SESSIONS_PARTITIONS);
});

test('a log partition never read here is quiet after the idle time from its first tick', async () => {
  const progress = reporter(10_000);
  await progress.prepare(topic);
  const ctx = { topic, partition: 0, caughtUp: async () => true };
  assert.deepEqual(await progress.onTick(ctx, Number.NEGATIVE_INFINITY, 1_000), []);
  assert.deepEqual(await progress.onTick(ctx, Number.NEGATIVE_INFINITY, 9_000), []);
  const quiet = await progress.onTick(ctx, Number.NEGATIVE_INFINITY, 12_000);
  assert.deepEqual(sessionProgressOf(quiet[0]!.headers as Record<string, string>), { topic, partition: 0, partitions: 3, watermark: null, idle: true });
});

test('a broker that cannot say the partition count is waited out, not a bad record', async () => {
  const progress = sessionProgress({ sessionsPartitions: 2, logPartitions: async () => Promise.reject(new Error('no broker')) }, 'weir.sessions');
  await assert.rejects(progress.prepare(topic), (err: Error & { code?: string; transient?: boolean }) => err.code === 'WEIR_DEPENDENCY_UNAVAILABLE' && err.transient === true);
});

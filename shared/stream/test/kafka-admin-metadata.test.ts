/**
 * KafkaAdmin over a kafkajs admin whose metadata request comes back null, as kafkajs 2.2.4's does
 * when no broker answers in time on a busy machine (it then throws a bare TypeError): asked again,
 * not failed at once (`weir groups reset` failed so under load); a lasting failure still fails.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Admin } from 'kafkajs';
import { StreamError } from '../src/errors.js';
import { KafkaAdmin } from '../src/kafka/admin.js';

/** The TypeError kafkajs throws, made the way it makes it: reading topicMetadata of a null answer. */
function nullMetadataError(): TypeError {
  const answer = JSON.parse('null') as { topicMetadata: unknown[] } | null;
  try {
    return answer!.topicMetadata as never;
  } catch (err) {
    return err as TypeError;
  }
}

function flakyAdmin(failures: number): { admin: Admin; calls: () => number } {
  let calls = 0;
  const admin = {
    fetchTopicMetadata: async ({ topics = [] }: { topics?: string[] } = {}) => {
      calls++;
      if (calls <= failures) throw nullMetadataError();
      const all = ['__consumer_offsets', 'a', 'b'];
      return { topics: all.filter((t) => topics.length === 0 || topics.includes(t)).map((name) => ({ name, partitions: [{ partitionId: 0, leader: 1 }, { partitionId: 1, leader: 1 }] })) };
    },
  };
  return { admin: admin as unknown as Admin, calls: () => calls };
}

type OffsetRow = { partition: number; offset: string; high: string; low: string };

/** A healthy metadata admin whose offset request answers `answer(n)` on its n-th call. */
function offsetsAdmin(answer: (call: number) => OffsetRow[]): { admin: Admin; offsetCalls: () => number; metadataCalls: () => number } {
  let offsetCalls = 0;
  const metadata = flakyAdmin(0);
  const admin = { ...metadata.admin, fetchTopicOffsets: async () => answer(++offsetCalls) } as unknown as Admin;
  return { admin, offsetCalls: () => offsetCalls, metadataCalls: metadata.calls };
}

test('the TypeError is the one kafkajs throws on a null metadata answer', () => {
  assert.match(nullMetadataError().message, /Cannot read properties of null \(reading 'topicMetadata'\)/);
});

test('listTopics and partitionCount ask again after null metadata answers', async () => {
  const topics = flakyAdmin(2);
  assert.deepEqual(await new KafkaAdmin(topics.admin).listTopics(), ['a', 'b']);
  assert.equal(topics.calls(), 3);
  const count = flakyAdmin(3);
  assert.equal(await new KafkaAdmin(count.admin).partitionCount('b'), 2);
  assert.equal(count.calls(), 4);
});

test('a metadata answer that stays null fails with a stream error, after a bounded number of tries', async () => {
  const never = flakyAdmin(Number.POSITIVE_INFINITY);
  await assert.rejects(new KafkaAdmin(never.admin).listTopics(), (err: unknown) => err instanceof StreamError && err.code === 'WEIR_BUS_KAFKA' && /list topics: .*topicMetadata/.test(err.message));
  assert.equal(never.calls(), 5);
});

test('fetching offsets waits for the leaders and asks again after a leader moved (NOT_LEADER_FOR_PARTITION past kafkajs retries)', async () => {
  const { admin, offsetCalls, metadataCalls } = offsetsAdmin((call) => {
    if (call === 1) {
      const notLeader = Object.assign(new Error('This server is not the leader for that topic-partition'), { type: 'NOT_LEADER_FOR_PARTITION' });
      throw Object.assign(new Error(notLeader.message), { name: 'KafkaJSNumberOfRetriesExceeded', cause: notLeader });
    }
    return [{ partition: 0, offset: '7', high: '7', low: '0' }, { partition: 1, offset: '3', high: '3', low: '0' }];
  });
  const offsets = await new KafkaAdmin(admin).fetchTopicOffsets('b');
  assert.equal(offsetCalls(), 2);
  assert.ok(metadataCalls() >= 1, 'the leaders were waited for before asking again');
  assert.deepEqual(offsets, [{ partition: 0, low: 0, high: 7 }, { partition: 1, low: 0, high: 3 }]);
});

test('another error while fetching offsets still fails at once', async () => {
  const admin = { ...flakyAdmin(0).admin, fetchTopicOffsets: async () => { throw Object.assign(new Error('no such topic'), { type: 'UNKNOWN_TOPIC_OR_PARTITION' }); } } as unknown as Admin;
  await assert.rejects(new KafkaAdmin(admin).fetchTopicOffsets('b'), (err: unknown) => err instanceof StreamError && /fetch offsets of b/.test(err.message));
});

test('an offset the broker did not know (-1, no error code) is asked for again, never returned', async () => {
  const { admin, offsetCalls, metadataCalls } = offsetsAdmin((call) => {
    const high = call === 1 ? '-1' : '0';
    return [{ partition: 0, offset: high, high, low: '0' }];
  });
  const offsets = await new KafkaAdmin(admin).fetchTopicOffsets('b');
  assert.equal(offsetCalls(), 2);
  assert.ok(metadataCalls() >= 1, 'the leaders were waited for before asking again');
  assert.deepEqual(offsets, [{ partition: 0, low: 0, high: 0 }]);
});

test('offsets the broker never knows fail with the reason, not as -1', async () => {
  const { admin } = offsetsAdmin(() => [{ partition: 0, offset: '-1', high: '-1', low: '0' }]);
  await assert.rejects(new KafkaAdmin(admin).fetchTopicOffsets('b'), (err: unknown) => err instanceof StreamError && /did not know partition 0's offsets/.test(err.message));
});

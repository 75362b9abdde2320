import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Partitioners, type PartitionMetadata } from 'kafkajs';
import { murmur2, partitionForKey, toPositive } from '../src/murmur2.js';

/**
 * Produced by the Java client itself: `org.apache.kafka.common.utils.Utils.murmur2` and
 * `toPositive(h) % n` from kafka-clients 3.9.1, keys as UTF-8 bytes.
 */
const javaValues: Array<[key: string, hash: number, mod3: number, mod12: number]> = [
  ['', 275646681, 0, 9],
  ['a', -1563381124, 1, 4],
  ['ab', 316155434, 2, 2],
  ['abc', 479470107, 0, 3],
  ['abcd', -1323649548, 2, 8],
  ['21', -973932308, 0, 0],
  ['foobar', -790332482, 0, 6],
  ['a-little-bit-long-string', -985981536, 2, 8],
  ['a-little-bit-longer-string', -1486304829, 2, 11],
  ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971, 2, 5],
  ['1.2.3.4|Mozilla/5.0', 1741375615, 1, 7],
  ['weir', 845719537, 1, 1],
  ['session-42', 880271230, 1, 10],
  ['été ☃', 265277273, 2, 5],
  ['acme-shop_1', 2085655926, 0, 6],
];

test('murmur2 matches the Java client on text keys of every tail length', () => {
  for (const [key, hash, mod3, mod12] of javaValues) {
    const bytes = Buffer.from(key, 'utf8');
    assert.equal(murmur2(bytes), hash, `murmur2(${JSON.stringify(key)})`);
    assert.equal(partitionForKey(bytes, 3), mod3, `partition of ${JSON.stringify(key)} among 3`);
    assert.equal(partitionForKey(bytes, 12), mod12, `partition of ${JSON.stringify(key)} among 12`);
  }
});

test('murmur2 matches the Java client on bytes with the high bit set', () => {
  assert.equal(murmur2(Uint8Array.from({ length: 256 }, (_, i) => i)), -1948347274);
  assert.equal(murmur2(Uint8Array.from([0xff, 0x80, 0x7f])), 968261134);
});

test('toPositive masks the sign bit as Java does, rather than taking the absolute value', () => {
  assert.equal(toPositive(-1), 2147483647);
  assert.equal(toPositive(-2147483648), 0);
  assert.equal(toPositive(5), 5);
});

test("partitionForKey agrees with kafkajs's default partitioner on random keys", () => {
  const partitioner = Partitioners.DefaultPartitioner();
  for (const partitionCount of [1, 2, 3, 7, 12, 64]) {
    const partitionMetadata: PartitionMetadata[] = Array.from({ length: partitionCount }, (_, partitionId) => ({
      partitionErrorCode: 0,
      partitionId,
      leader: 1,
      replicas: [1],
      isr: [1],
    }));
    for (let i = 0; i < 300; i++) {
      const key = randomBytes(i % 40);
      const theirs = partitioner({ topic: 't', partitionMetadata, message: { key, value: null } });
      assert.equal(partitionForKey(key, partitionCount), theirs, `key ${key.toString('hex')} among ${partitionCount}`);
    }
  }
});

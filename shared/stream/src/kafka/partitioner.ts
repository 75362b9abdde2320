/**
 * Our murmur2 partitioner handed to kafkajs, so the Kafka bus and the embedded bus place keyed
 * records by literally the same code. Counts all partitions, not only those with a leader, as
 * Java does: a key never moves because a broker is down.
 */
import type { ICustomPartitioner } from 'kafkajs';
import { partitionForKey } from '../murmur2.js';

export const weirPartitioner: ICustomPartitioner = () => {
  const roundRobin = new Map<string, number>();
  return ({ topic, partitionMetadata, message }) => {
    if (message.partition !== undefined && message.partition !== null) return message.partition;
    const count = partitionMetadata.length;
    if (message.key !== undefined && message.key !== null) {
      const key = typeof message.key === 'string' ? Buffer.from(message.key) : message.key;
      return partitionForKey(key, count);
    }
    const next = roundRobin.get(topic) ?? Math.floor(Math.random() * count);
    roundRobin.set(topic, next + 1);
    return next % count;
  };
};

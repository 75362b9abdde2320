/** What both Kafka consumers do with the partitions a group gave them. */
import { topicPartitionKey, type BusAdmin, type TopicPartition, type TopicPartitionOffset } from '../bus.js';
import { StreamError } from '../errors.js';
import { groupByTopic } from './messages.js';

/** The offsets of `topic` at `timestamp`, for the partitions in `owned` (by topicPartitionKey: a Set or a Map of them). */
export async function ownedOffsetsAt(admin: Pick<BusAdmin, 'fetchOffsetsForTimestamp'>, owned: { has(key: string): boolean }, topic: string, timestamp: number): Promise<TopicPartitionOffset[]> {
  const offsets = await admin.fetchOffsetsForTimestamp(topic, timestamp);
  return offsets.filter((offset) => owned.has(topicPartitionKey(offset)));
}

/** `partitions` grouped by topic for pause/resume, once each is known to be owned. */
export function ownedByTopic(owned: { has(key: string): boolean }, partitions: readonly TopicPartition[]): Array<{ topic: string; partitions: number[] }> {
  for (const tp of partitions) requireOwned(owned, tp);
  return groupByTopic(partitions);
}

export function requireOwned(owned: { has(key: string): boolean }, tp: TopicPartition): void {
  if (!owned.has(topicPartitionKey(tp))) {
    throw new StreamError('WEIR_BUS_NOT_ASSIGNED', `${topicPartitionKey(tp)} is not assigned to this consumer`);
  }
}

/** The bus's offsets as the client takes them (fetched messages: client/messages.ts). */
import type { KafkaJS } from '@confluentinc/kafka-javascript';
import type { TopicPartitionOffset } from '../bus.js';

export function toClientOffsets(offsets: TopicPartitionOffset[]): KafkaJS.TopicPartitionOffset[] {
  return offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: String(o.offset) }));
}

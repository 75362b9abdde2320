import type { Admin } from 'kafkajs';
import type { BusAdmin, PartitionOffsets, TopicPartitionOffset, TopicSpec } from '../bus.js';
import { StreamError } from '../errors.js';
import { hasErrorType, kafkaCall, toStreamError } from './errors.js';

export class KafkaAdmin implements BusAdmin {
  constructor(private readonly admin: Admin) {}

  async createTopics(specs: TopicSpec[]): Promise<string[]> {
    // One call per topic: kafkajs reports "created" for a whole call, not per topic.
    const created = await Promise.all(
      specs.map((spec) =>
        kafkaCall(`create topic ${spec.topic}`, () =>
          this.admin.createTopics({
            waitForLeaders: true,
            topics: [
              {
                topic: spec.topic,
                numPartitions: spec.partitions ?? 1,
                // -1: the broker's default.replication.factor, so one config serves one node and many.
                replicationFactor: -1,
                configEntries: Object.entries(spec.config ?? {}).map(([name, value]) => ({ name, value })),
              },
            ],
          }),
        ),
      ),
    );
    return specs.filter((_, i) => created[i]).map((spec) => spec.topic);
  }

  async listTopics(): Promise<string[]> {
    const topics = await kafkaCall('list topics', () => this.admin.listTopics());
    return topics.filter((t) => !t.startsWith('__'));
  }

  async partitionCount(topic: string): Promise<number> {
    try {
      const { topics } = await this.admin.fetchTopicMetadata({ topics: [topic] });
      const found = topics.find((t) => t.name === topic);
      if (!found || found.partitions.length === 0) throw unknownTopic(topic);
      return found.partitions.length;
    } catch (err) {
      if (hasErrorType(err, 'UNKNOWN_TOPIC_OR_PARTITION')) throw unknownTopic(topic, err);
      throw toStreamError(err, `read metadata of ${topic}`);
    }
  }

  async fetchTopicOffsets(topic: string): Promise<PartitionOffsets[]> {
    const offsets = await kafkaCall(`fetch offsets of ${topic}`, () => this.admin.fetchTopicOffsets(topic));
    return offsets
      .map((o) => ({ partition: o.partition, low: Number(o.low), high: Number(o.high) }))
      .sort((a, b) => a.partition - b.partition);
  }

  async fetchOffsetsForTimestamp(topic: string, timestamp: number): Promise<TopicPartitionOffset[]> {
    const offsets = await kafkaCall(`fetch offsets of ${topic} at ${timestamp}`, () =>
      this.admin.fetchTopicOffsetsByTimestamp(topic, timestamp),
    );
    return offsets
      .map((o) => ({ topic, partition: o.partition, offset: Number(o.offset) }))
      .sort((a, b) => a.partition - b.partition);
  }

  async fetchCommittedOffsets(groupId: string, topics: string[]): Promise<TopicPartitionOffset[]> {
    if (topics.length === 0) return [];
    const result = await kafkaCall(`fetch committed offsets of group ${groupId}`, () =>
      this.admin.fetchOffsets({ groupId, topics }),
    );
    return result.flatMap(({ topic, partitions }) =>
      partitions
        .filter((p) => Number(p.offset) >= 0) // -1: nothing committed
        .map((p) => ({ topic, partition: p.partition, offset: Number(p.offset) })),
    );
  }

  async deleteTopics(topics: string[]): Promise<void> {
    if (topics.length === 0) return;
    await kafkaCall(`delete topics ${topics.join(', ')}`, () => this.admin.deleteTopics({ topics }));
  }
}

function unknownTopic(topic: string, cause?: unknown): StreamError {
  return new StreamError('WEIR_BUS_UNKNOWN_TOPIC', `topic "${topic}" does not exist`, { cause });
}

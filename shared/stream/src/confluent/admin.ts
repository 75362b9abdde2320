/**
 * The bus's admin calls on the client's KafkaJS-style admin. The client has no DescribeConfigs,
 * AlterConfigs, CreatePartitions, DescribeGroups or offset reset from outside a group, so those
 * calls go to the project's kafkajs admin, given by the bus.
 */
import { KafkaJS } from '@confluentinc/kafka-javascript';
import type { BusAdmin, PartitionOffsets, TopicPartitionOffset, TopicSpec } from '../bus.js';
import { StreamError } from '../errors.js';
import { createTopicRetrying, topicEntry, waitForLeaders } from '../client/topics.js';
import { clientCall, errorCode, isCreateTimedOut, isTimedOut, LEADER_NOT_AVAILABLE, toStreamError } from './errors.js';

const UNKNOWN_TOPIC_OR_PART = 3;

/** The kafkajs-based admin, for the calls this client lacks. */
export type FallbackAdmin = () => Promise<BusAdmin>;

export class ConfluentAdmin implements BusAdmin {
  constructor(
    private readonly admin: KafkaJS.Admin,
    private readonly fallback: FallbackAdmin,
  ) {}

  async createTopics(specs: TopicSpec[]): Promise<string[]> {
    // One call per topic: the client reports "created" for a whole call, not per topic.
    const created = await Promise.all(
      specs.map((spec) =>
        createTopicRetrying(spec.topic, {
          create: () => this.admin.createTopics({ topics: [topicEntry(spec)] }),
          timedOut: isCreateTimedOut,
          toError: toStreamError,
        }),
      ),
    );
    await Promise.all(specs.map((spec) => this.waitForLeaders(spec.topic)));
    return specs.filter((_, i) => created[i]).map((spec) => spec.topic);
  }

  private waitForLeaders(topic: string): Promise<void> {
    return waitForLeaders(topic, {
      partitions: async (name) => (await this.admin.fetchTopicMetadata({ topics: [name] }))[0]?.partitions ?? [],
      topics: () => this.admin.listTopics(),
      notYet: (err) => {
        const code = errorCode(err);
        return code === UNKNOWN_TOPIC_OR_PART || code === LEADER_NOT_AVAILABLE;
      },
      noAnswer: isTimedOut,
      toError: toStreamError,
    });
  }

  async listTopics(): Promise<string[]> {
    const topics = await clientCall('list topics', () => this.admin.listTopics());
    return topics.filter((t) => !t.startsWith('__'));
  }

  async partitionCount(topic: string): Promise<number> {
    try {
      const [found] = await this.admin.fetchTopicMetadata({ topics: [topic] });
      if (!found || found.partitions.length === 0) throw unknownTopic(topic);
      return found.partitions.length;
    } catch (err) {
      if (err instanceof StreamError) throw err;
      if (errorCode(err) === UNKNOWN_TOPIC_OR_PART) throw unknownTopic(topic, err);
      throw toStreamError(err, `read metadata of ${topic}`);
    }
  }

  async describeTopicConfig(topic: string, names: string[]): Promise<Record<string, string>> {
    return (await this.fallback()).describeTopicConfig(topic, names);
  }

  async alterTopicConfig(topic: string, config: Record<string, string>): Promise<void> {
    return (await this.fallback()).alterTopicConfig(topic, config);
  }

  async createPartitions(topic: string, total: number): Promise<void> {
    return (await this.fallback()).createPartitions(topic, total);
  }

  async groupMembers(groupId: string): Promise<number> {
    return (await this.fallback()).groupMembers(groupId);
  }

  async setCommittedOffsets(groupId: string, offsets: TopicPartitionOffset[]): Promise<void> {
    return (await this.fallback()).setCommittedOffsets(groupId, offsets);
  }

  async fetchTopicOffsets(topic: string): Promise<PartitionOffsets[]> {
    const offsets = await clientCall(`fetch offsets of ${topic}`, () =>
      this.admin.fetchTopicOffsets(topic, { isolationLevel: KafkaJS.IsolationLevel.READ_COMMITTED }),
    );
    return offsets
      .map((o) => ({ partition: o.partition, low: Number(o.low), high: Number(o.high) }))
      .sort((a, b) => a.partition - b.partition);
  }

  async fetchOffsetsForTimestamp(topic: string, timestamp: number): Promise<TopicPartitionOffset[]> {
    const offsets = await clientCall(`fetch offsets of ${topic} at ${timestamp}`, () =>
      this.admin.fetchTopicOffsetsByTimestamp(topic, timestamp, { isolationLevel: KafkaJS.IsolationLevel.READ_COMMITTED }),
    );
    return offsets
      .map((o) => ({ topic, partition: o.partition, offset: Number(o.offset) }))
      .sort((a, b) => a.partition - b.partition);
  }

  async fetchCommittedOffsets(groupId: string, topics: string[]): Promise<TopicPartitionOffset[]> {
    if (topics.length === 0) return [];
    const result = await clientCall(`fetch committed offsets of group ${groupId}`, () =>
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
    await clientCall(`delete topics ${topics.join(', ')}`, () => this.admin.deleteTopics({ topics }));
  }
}

function unknownTopic(topic: string, cause?: unknown): StreamError {
  return new StreamError('WEIR_BUS_UNKNOWN_TOPIC', `topic "${topic}" does not exist`, { cause });
}

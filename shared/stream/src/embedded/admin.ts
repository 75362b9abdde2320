import type { BusAdmin, PartitionOffsets, TopicPartitionOffset, TopicSpec } from '../bus.js';
import { StreamError } from '../errors.js';
import type { EmbeddedBroker } from './broker.js';

export class EmbeddedAdmin implements BusAdmin {
  constructor(private readonly broker: EmbeddedBroker) {}

  async createTopics(specs: TopicSpec[]): Promise<string[]> {
    return specs.filter((spec) => this.broker.createTopic(spec)).map((spec) => spec.topic);
  }

  async listTopics(): Promise<string[]> {
    return this.broker.topicNames();
  }

  async partitionCount(topic: string): Promise<number> {
    return this.broker.partitionCount(topic);
  }

  async describeTopicConfig(topic: string, names: string[]): Promise<Record<string, string>> {
    const { config } = this.broker.requireTopic(topic);
    // Kafka's defaults for what the runtime asks about; anything else only when it was set.
    const defaults: Record<string, string> = { 'cleanup.policy': 'delete' };
    const result: Record<string, string> = {};
    for (const name of names) {
      const value = config[name] ?? defaults[name];
      if (value !== undefined) result[name] = value;
    }
    return result;
  }

  async createPartitions(topic: string, total: number): Promise<void> {
    this.broker.createPartitions(topic, total);
  }

  async alterTopicConfig(topic: string, config: Record<string, string>): Promise<void> {
    Object.assign(this.broker.requireTopic(topic).config, config);
  }

  async fetchTopicOffsets(topic: string): Promise<PartitionOffsets[]> {
    return this.broker.requireTopic(topic).partitions.map((log) => ({
      partition: log.partition,
      low: log.logStartOffset,
      high: log.lastStableOffset,
    }));
  }

  async fetchOffsetsForTimestamp(topic: string, timestamp: number): Promise<TopicPartitionOffset[]> {
    return this.broker.requireTopic(topic).partitions.map((log) => ({
      topic,
      partition: log.partition,
      offset: log.offsetForTimestamp(timestamp),
    }));
  }

  async fetchCommittedOffsets(groupId: string, topics: string[]): Promise<TopicPartitionOffset[]> {
    return this.broker.group(groupId).committedFor(topics);
  }

  async deleteTopics(topics: string[]): Promise<void> {
    for (const topic of topics) this.broker.deleteTopic(topic);
  }

  async groupMembers(groupId: string): Promise<number> {
    return this.broker.group(groupId).memberCount();
  }

  async setCommittedOffsets(groupId: string, offsets: TopicPartitionOffset[]): Promise<void> {
    const group = this.broker.group(groupId);
    if (group.memberCount() > 0) throw new StreamError('WEIR_BUS_KAFKA', `group "${groupId}" has live members: its offsets cannot be set from outside`);
    group.store(offsets);
  }
}

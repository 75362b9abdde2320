/**
 * The in-process broker behind an embedded bus: topics of partition logs, consumer groups and
 * the transaction coordinator. Producers, consumers and the admin of one bus share one broker.
 */
import type { TopicSpec } from '../bus.js';
import { StreamError } from '../errors.js';
import { ConsumerGroup, type TopicCatalog } from './group.js';
import { PartitionLog } from './partition-log.js';
import { TransactionCoordinator } from './transactions.js';

export interface EmbeddedBrokerOptions {
  /** Partitions of a topic created by producing to it. Kafka's `num.partitions` defaults to 1. */
  defaultPartitions?: number;
  /** Producing to a missing topic creates it, as Kafka's `auto.create.topics.enable`. Default true. */
  autoCreateTopics?: boolean;
  /** Records kept per partition; older ones are dropped. Default: all. */
  retainRecords?: number;
}

export interface EmbeddedTopic {
  name: string;
  partitions: PartitionLog[];
  config: Record<string, string>;
}

/** Kafka's rule for topic names. */
const TOPIC_NAME = /^[A-Za-z0-9._-]{1,249}$/;

export class EmbeddedBroker implements TopicCatalog {
  private readonly topics = new Map<string, EmbeddedTopic>();
  private readonly groups = new Map<string, ConsumerGroup>();
  readonly transactions = new TransactionCoordinator((groupId, offsets) => this.group(groupId).store(offsets));
  private readonly defaultPartitions: number;
  private readonly autoCreateTopics: boolean;
  private readonly retainRecords: number;

  constructor(options: EmbeddedBrokerOptions = {}) {
    this.defaultPartitions = options.defaultPartitions ?? 1;
    this.autoCreateTopics = options.autoCreateTopics ?? true;
    this.retainRecords = options.retainRecords ?? Number.POSITIVE_INFINITY;
  }

  topicNames(): string[] {
    return [...this.topics.keys()];
  }

  partitionCount(topic: string): number {
    return this.requireTopic(topic).partitions.length;
  }

  findTopic(name: string): EmbeddedTopic | undefined {
    return this.topics.get(name);
  }

  requireTopic(name: string): EmbeddedTopic {
    const topic = this.topics.get(name);
    if (!topic) throw new StreamError('WEIR_BUS_UNKNOWN_TOPIC', `topic "${name}" does not exist`);
    return topic;
  }

  /** The topic a producer writes to, created on the fly when auto-creation is on. */
  topicForProduce(name: string): EmbeddedTopic {
    const topic = this.topics.get(name);
    if (topic) return topic;
    if (!this.autoCreateTopics) return this.requireTopic(name);
    this.createTopic({ topic: name });
    return this.requireTopic(name);
  }

  partition(topic: string, partition: number): PartitionLog {
    const log = this.requireTopic(topic).partitions[partition];
    if (!log) {
      throw new StreamError('WEIR_BUS_INVALID', `topic "${topic}" has no partition ${partition}`);
    }
    return log;
  }

  /** Returns false when the topic already existed. */
  createTopic(spec: TopicSpec): boolean {
    if (!TOPIC_NAME.test(spec.topic) || spec.topic === '.' || spec.topic === '..') {
      throw new StreamError('WEIR_BUS_INVALID', `invalid topic name "${spec.topic}": use [A-Za-z0-9._-], 1-249 characters`);
    }
    const count = spec.partitions ?? this.defaultPartitions;
    if (!Number.isInteger(count) || count < 1) {
      throw new StreamError('WEIR_BUS_INVALID', `topic "${spec.topic}": partitions must be a positive integer, got ${count}`);
    }
    if (this.topics.has(spec.topic)) return false;
    this.topics.set(spec.topic, {
      name: spec.topic,
      partitions: Array.from({ length: count }, (_, p) => new PartitionLog(spec.topic, p, this.retainRecords)),
      config: { ...spec.config },
    });
    this.topicsChanged();
    return true;
  }

  /** Adds partitions up to `total`, as Kafka does: existing ones keep their records. */
  createPartitions(name: string, total: number): void {
    const topic = this.requireTopic(name);
    if (!Number.isInteger(total) || total < topic.partitions.length) {
      throw new StreamError('WEIR_BUS_INVALID', `topic "${name}" has ${topic.partitions.length} partitions; it can only grow, not to ${total}`);
    }
    if (total === topic.partitions.length) return;
    for (let p = topic.partitions.length; p < total; p++) topic.partitions.push(new PartitionLog(name, p, this.retainRecords));
    this.topicsChanged();
  }

  deleteTopic(name: string): void {
    if (this.topics.delete(name)) this.topicsChanged();
  }

  group(groupId: string): ConsumerGroup {
    let group = this.groups.get(groupId);
    if (!group) {
      group = new ConsumerGroup(groupId, this);
      this.groups.set(groupId, group);
    }
    return group;
  }

  private topicsChanged(): void {
    for (const group of this.groups.values()) {
      // Failures surface in the members' own callbacks; a topic change must not throw here.
      group.rebalance().catch(() => undefined);
    }
  }
}

/** The bus's admin calls on @platformatic/kafka's Admin, which has every one of them. */
import { Admin, ConfigResourceTypes, FetchIsolationLevels, IncrementalAlterConfigOperationTypes, type ClusterMetadata } from '@platformatic/kafka';
import type { BusAdmin, PartitionOffsets, TopicPartitionOffset, TopicSpec } from '../bus.js';
import { StreamError } from '../errors.js';
import { createTopicRetrying, topicEntry, waitForLeaders } from '../client/topics.js';
import { clientCall, hasApiId, isTimedOut, isUnknownTopic, toStreamError } from './errors.js';

/** ListOffsets' special timestamps: the log's end and its start. */
const LATEST = -1n;
const EARLIEST = -2n;

export class PlatformaticAdmin implements BusAdmin {
  constructor(readonly client: Admin) {}

  async createTopics(specs: TopicSpec[]): Promise<string[]> {
    // One request per topic: the request's configs apply to every topic in it.
    const created = await Promise.all(specs.map((spec) => this.createTopic(spec)));
    await Promise.all(specs.map((spec) => this.waitForLeaders(spec.topic)));
    return specs.filter((_, i) => created[i]).map((spec) => spec.topic);
  }

  private createTopic(spec: TopicSpec): Promise<boolean> {
    const entry = topicEntry(spec);
    return createTopicRetrying(spec.topic, {
      create: async () => {
        try {
          await this.client.createTopics({
            topics: [entry.topic],
            partitions: entry.numPartitions,
            replicas: entry.replicationFactor,
            configs: entry.configEntries,
          });
          return true;
        } catch (err) {
          if (hasApiId(err, 'TOPIC_ALREADY_EXISTS')) return false;
          throw err;
        }
      },
      // The controller's REQUEST_TIMED_OUT: the creation may still land.
      timedOut: (err) => isTimedOut(err) || hasApiId(err, 'REQUEST_TIMED_OUT'),
      toError: toStreamError,
    });
  }

  private waitForLeaders(topic: string): Promise<void> {
    return waitForLeaders(topic, {
      partitions: async (name) => (await this.metadata([name], true)).topics.get(name)?.partitions ?? [],
      topics: () => this.listTopics(),
      notYet: (err) => isUnknownTopic(err) || hasApiId(err, 'LEADER_NOT_AVAILABLE'),
      noAnswer: isTimedOut,
      toError: toStreamError,
    });
  }

  /** The cluster's metadata for these topics; `fresh` skips the client's cache. */
  metadata(topics: string[], fresh = false): Promise<ClusterMetadata> {
    return this.client.metadata({ topics, forceUpdate: fresh });
  }

  async listTopics(): Promise<string[]> {
    return clientCall('list topics', () => this.client.listTopics({ includeInternals: false }));
  }

  async partitionCount(topic: string): Promise<number> {
    try {
      const found = (await this.metadata([topic], true)).topics.get(topic);
      if (!found || found.partitionsCount === 0) throw unknownTopic(topic);
      return found.partitionsCount;
    } catch (err) {
      if (err instanceof StreamError) throw err;
      if (isUnknownTopic(err)) throw unknownTopic(topic, err);
      throw toStreamError(err, `read metadata of ${topic}`);
    }
  }

  async describeTopicConfig(topic: string, names: string[]): Promise<Record<string, string>> {
    const [described] = await clientCall(`describe config of ${topic}`, () =>
      this.client.describeConfigs({ resources: [{ resourceType: ConfigResourceTypes.TOPIC, resourceName: topic, configurationKeys: names }] }),
    );
    const result: Record<string, string> = {};
    for (const config of described?.configs ?? []) if (names.includes(config.name) && typeof config.value === 'string') result[config.name] = config.value;
    return result;
  }

  async alterTopicConfig(topic: string, config: Record<string, string>): Promise<void> {
    await clientCall(`alter config of ${topic}`, () =>
      this.client.incrementalAlterConfigs({
        resources: [
          {
            resourceType: ConfigResourceTypes.TOPIC,
            resourceName: topic,
            configs: Object.entries(config).map(([name, value]) => ({ name, value, configOperation: IncrementalAlterConfigOperationTypes.SET })),
          },
        ],
      }),
    );
  }

  async createPartitions(topic: string, total: number): Promise<void> {
    await clientCall(`grow ${topic} to ${total} partitions`, () => this.client.createPartitions({ topics: [{ name: topic, count: total }] }));
  }

  async groupMembers(groupId: string): Promise<number> {
    const groups = await clientCall(`describe group ${groupId}`, () => this.client.describeGroups({ groups: [groupId] }));
    return groups.get(groupId)?.members.size ?? 0;
  }

  async setCommittedOffsets(groupId: string, offsets: TopicPartitionOffset[]): Promise<void> {
    if (offsets.length === 0) return;
    const byTopic = new Map<string, Array<{ partition: number; offset: bigint }>>();
    for (const o of offsets) {
      const list = byTopic.get(o.topic) ?? [];
      list.push({ partition: o.partition, offset: BigInt(o.offset) });
      byTopic.set(o.topic, list);
    }
    await clientCall(`set committed offsets of group ${groupId}`, () =>
      this.client.alterConsumerGroupOffsets({ groupId, topics: [...byTopic].map(([name, partitionOffsets]) => ({ name, partitionOffsets })) }),
    );
  }

  /** Per partition, the offset ListOffsets answers for `timestamp` (read_committed). */
  private async listOffsets(topic: string, timestamp: bigint): Promise<Map<number, number>> {
    const count = await this.partitionCount(topic);
    const partitions = Array.from({ length: count }, (_, partitionIndex) => ({ partitionIndex, timestamp }));
    const listed = await clientCall(`fetch offsets of ${topic}`, () =>
      this.client.listOffsets({ topics: [{ name: topic, partitions }], isolationLevel: FetchIsolationLevels.READ_COMMITTED }),
    );
    const result = new Map<number, number>();
    for (const t of listed) for (const p of t.partitions) result.set(p.partitionIndex, Number(p.offset));
    return result;
  }

  async fetchTopicOffsets(topic: string): Promise<PartitionOffsets[]> {
    const [low, high] = await Promise.all([this.listOffsets(topic, EARLIEST), this.listOffsets(topic, LATEST)]);
    return [...high]
      .map(([partition, end]) => ({ partition, low: low.get(partition) ?? 0, high: end }))
      .sort((a, b) => a.partition - b.partition);
  }

  async fetchOffsetsForTimestamp(topic: string, timestamp: number): Promise<TopicPartitionOffset[]> {
    const [at, high] = await Promise.all([this.listOffsets(topic, BigInt(timestamp)), this.listOffsets(topic, LATEST)]);
    // -1: no record at or after the timestamp; the bus says `high` then.
    return [...high]
      .map(([partition, end]) => {
        const offset = at.get(partition) ?? -1;
        return { topic, partition, offset: offset < 0 ? end : offset };
      })
      .sort((a, b) => a.partition - b.partition);
  }

  async fetchCommittedOffsets(groupId: string, topics: string[]): Promise<TopicPartitionOffset[]> {
    if (topics.length === 0) return [];
    const partitioned = await Promise.all(
      topics.map(async (topic) => ({ topic, partitions: Array.from({ length: await this.partitionCount(topic) }, (_, i) => i) })),
    );
    const [group] = await clientCall(`fetch committed offsets of group ${groupId}`, () =>
      this.client.listConsumerGroupOffsets({ groups: [{ groupId, topics: partitioned.map(({ topic, partitions }) => ({ name: topic, partitionIndexes: partitions })) }] }),
    );
    return (group?.topics ?? []).flatMap(({ name, partitions }) =>
      partitions
        .filter((p) => p.committedOffset >= 0n) // -1: nothing committed
        .map((p) => ({ topic: name, partition: p.partitionIndex, offset: Number(p.committedOffset) })),
    );
  }

  async deleteTopics(topics: string[]): Promise<void> {
    if (topics.length === 0) return;
    await clientCall(`delete topics ${topics.join(', ')}`, () => this.client.deleteTopics({ topics }));
  }
}

function unknownTopic(topic: string, cause?: unknown): StreamError {
  return new StreamError('WEIR_BUS_UNKNOWN_TOPIC', `topic "${topic}" does not exist`, { cause });
}

import type { Admin, ConfigResourceTypes } from 'kafkajs';
import type { BusAdmin, PartitionOffsets, TopicPartitionOffset, TopicSpec } from '../bus.js';
import { StreamError } from '../errors.js';
import { sleep } from '../sleep.js';
import { createTopicRetrying, topicEntry, waitForLeaders } from '../client/topics.js';
import { hasErrorType, isCreateTimedOut, isTimedOut, kafkaCall, toStreamError } from './errors.js';

/**
 * kafkajs's ConfigResourceTypes.TOPIC. Its enum exists at runtime, but Node's ESM loader cannot
 * see it among kafkajs's CommonJS exports, so the value is written here.
 */
const TOPIC_RESOURCE: ConfigResourceTypes = 2;
/** DescribeConfigs' source of an override set on the topic itself (DYNAMIC_TOPIC_CONFIG). */
const TOPIC_CONFIG_SOURCE = 1;

export class KafkaAdmin implements BusAdmin {
  constructor(private readonly admin: Admin) {}

  async createTopics(specs: TopicSpec[]): Promise<string[]> {
    // One call per topic: kafkajs reports "created" for a whole call, not per topic.
    const created = await Promise.all(
      specs.map((spec) =>
        createTopicRetrying(spec.topic, {
          // kafkajs's own wait gives up when the broker's metadata does not list the new topic
          // yet (UNKNOWN_TOPIC_OR_PARTITION); waitForLeaders below waits that out.
          create: () => this.admin.createTopics({ waitForLeaders: false, topics: [topicEntry(spec)] }),
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
      partitions: async (name) => (await this.topicMetadata([name])).topics.find((t) => t.name === name)?.partitions ?? [],
      topics: async () => (await this.topicMetadata([])).topics.map((t) => t.name),
      notYet: (err) => hasErrorType(err, 'UNKNOWN_TOPIC_OR_PARTITION') || hasErrorType(err, 'LEADER_NOT_AVAILABLE'),
      noAnswer: (err) => isTimedOut(err) || isNullMetadata(err),
      toError: toStreamError,
    });
  }

  /**
   * kafkajs 2.2.4 answers a metadata request with null when no broker it asks answers in time (a
   * busy broker: its withBroker swallows each failure), and then throws a bare TypeError ("Cannot
   * read properties of null (reading 'topicMetadata')"). That is a timeout, not a bug of ours: asked again.
   */
  private async topicMetadata(topics: string[]): Promise<Awaited<ReturnType<Admin['fetchTopicMetadata']>>> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.admin.fetchTopicMetadata({ topics });
      } catch (err) {
        if (!isNullMetadata(err) || attempt >= METADATA_ATTEMPTS) throw err;
        await sleep(100 * 2 ** attempt);
      }
    }
  }

  /**
   * kafkajs 2.2.4 throws a bare TypeError, which its retrier does not retry, when its cached
   * metadata lists no partition of a topic created moments ago (by another client). Waiting for
   * the topic's leaders refreshes that cache, after which the call succeeds. The same wait follows
   * a leader that moved or is not elected yet, after kafkajs's own retries ran out (seen on a
   * starved broker: a window service exited at its start on NOT_LEADER_FOR_PARTITION).
   */
  private async topicOffsets(topic: string): Promise<Awaited<ReturnType<Admin['fetchTopicOffsets']>>> {
    for (let attempt = 1; ; attempt++) {
      let offsets: Awaited<ReturnType<Admin['fetchTopicOffsets']>>;
      try {
        offsets = await this.admin.fetchTopicOffsets(topic);
      } catch (err) {
        if (!(err instanceof TypeError || isLeaderMoving(err)) || attempt >= 3) throw toStreamError(err, `fetch offsets of ${topic}`);
        await this.waitForLeaders(topic);
        continue;
      }
      // kafkajs passes on an offset the broker did not know (UNKNOWN_OFFSET, -1, with no error
      // code), as a starved broker answered once for a topic created moments before (a contract
      // test read a high watermark of -1): asked again, as for a leader not elected yet, and never
      // returned as an offset.
      const unknown = offsets.find((o) => Number(o.high) < 0 || Number(o.low) < 0);
      if (unknown === undefined) return offsets;
      if (attempt >= 3) {
        throw new StreamError('WEIR_BUS_KAFKA', `fetch offsets of ${topic}: the broker did not know partition ${unknown.partition}'s offsets (low ${unknown.low}, high ${unknown.high})`);
      }
      await this.waitForLeaders(topic);
    }
  }

  async listTopics(): Promise<string[]> {
    const { topics } = await kafkaCall('list topics', () => this.topicMetadata([]));
    return topics.map((t) => t.name).filter((t) => !t.startsWith('__'));
  }

  async partitionCount(topic: string): Promise<number> {
    try {
      const { topics } = await this.topicMetadata([topic]);
      const found = topics.find((t) => t.name === topic);
      if (!found || found.partitions.length === 0) throw unknownTopic(topic);
      return found.partitions.length;
    } catch (err) {
      if (hasErrorType(err, 'UNKNOWN_TOPIC_OR_PARTITION')) throw unknownTopic(topic, err);
      throw toStreamError(err, `read metadata of ${topic}`);
    }
  }

  async describeTopicConfig(topic: string, names: string[]): Promise<Record<string, string>> {
    const response = await kafkaCall(`describe configuration of ${topic}`, () =>
      this.admin.describeConfigs({
        resources: [{ type: TOPIC_RESOURCE, name: topic, configNames: names }],
        includeSynonyms: false,
      }),
    );
    const result: Record<string, string> = {};
    for (const resource of response.resources) {
      if (resource.errorCode !== 0) throw unknownTopic(topic);
      for (const entry of resource.configEntries) result[entry.configName] = entry.configValue;
    }
    return result;
  }

  async createPartitions(topic: string, total: number): Promise<void> {
    await kafkaCall(`add partitions to ${topic}`, () => this.admin.createPartitions({ topicPartitions: [{ topic, count: total }] }));
    await this.waitForLeaders(topic);
  }

  async alterTopicConfig(topic: string, config: Record<string, string>): Promise<void> {
    // AlterConfigs replaces a topic's whole set of overrides (kafkajs has no incremental call):
    // send the overrides it has now with these on top.
    const response = await kafkaCall(`describe configuration of ${topic}`, () =>
      this.admin.describeConfigs({ resources: [{ type: TOPIC_RESOURCE, name: topic }], includeSynonyms: false }),
    );
    const current: Record<string, string> = {};
    for (const resource of response.resources) {
      if (resource.errorCode !== 0) throw unknownTopic(topic);
      for (const entry of resource.configEntries) {
        if (!entry.isDefault && !entry.readOnly && entry.configSource === TOPIC_CONFIG_SOURCE) current[entry.configName] = entry.configValue;
      }
    }
    const configEntries = Object.entries({ ...current, ...config }).map(([name, value]) => ({ name, value }));
    await kafkaCall(`alter configuration of ${topic}`, () =>
      this.admin.alterConfigs({ validateOnly: false, resources: [{ type: TOPIC_RESOURCE, name: topic, configEntries }] }),
    );
  }

  async fetchTopicOffsets(topic: string): Promise<PartitionOffsets[]> {
    const offsets = await this.topicOffsets(topic);
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

  async groupMembers(groupId: string): Promise<number> {
    const { groups } = await kafkaCall(`describe group ${groupId}`, () => this.admin.describeGroups([groupId]));
    return groups.find((g) => g.groupId === groupId)?.members.length ?? 0;
  }

  async setCommittedOffsets(groupId: string, offsets: TopicPartitionOffset[]): Promise<void> {
    const byTopic = new Map<string, TopicPartitionOffset[]>();
    for (const o of offsets) byTopic.set(o.topic, [...(byTopic.get(o.topic) ?? []), o]);
    for (const [topic, partitions] of byTopic) {
      await kafkaCall(`set offsets of group ${groupId} on ${topic}`, () =>
        this.admin.setOffsets({ groupId, topic, partitions: partitions.map((p) => ({ partition: p.partition, offset: String(p.offset) })) }),
      );
    }
  }

  async deleteTopics(topics: string[]): Promise<void> {
    if (topics.length === 0) return;
    await kafkaCall(`delete topics ${topics.join(', ')}`, () => this.admin.deleteTopics({ topics }));
  }
}

const METADATA_ATTEMPTS = 5;

function isNullMetadata(err: unknown): boolean {
  return err instanceof TypeError && /of null \(reading 'topicMetadata'\)|'topicMetadata' of .* null/.test(err.message);
}

function unknownTopic(topic: string, cause?: unknown): StreamError {
  return new StreamError('WEIR_BUS_UNKNOWN_TOPIC', `topic "${topic}" does not exist`, { cause });
}

function isLeaderMoving(err: unknown): boolean {
  return hasErrorType(err, 'NOT_LEADER_FOR_PARTITION') || hasErrorType(err, 'LEADER_NOT_AVAILABLE');
}

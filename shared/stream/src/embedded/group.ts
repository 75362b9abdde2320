/**
 * A consumer group: its members, who owns which partition, and its committed offsets.
 * Rebalances run one at a time; each first takes partitions away (waiting for the batch in hand
 * and the revoke callback) and only then hands them out, so no partition is ever delivered to
 * two members at once, as with Kafka's eager protocol.
 */
import { topicPartitionKey, type TopicPartition, type TopicPartitionOffset } from '../bus.js';
import { StreamError } from '../errors.js';

export interface GroupMember {
  readonly memberId: string;
  /** The existing topics this member wants, given every topic that exists. */
  subscribedTopics(existing: string[]): string[];
  owned(): TopicPartition[];
  revoke(partitions: TopicPartition[]): Promise<void>;
  assign(partitions: TopicPartition[]): Promise<void>;
}

export interface TopicCatalog {
  topicNames(): string[];
  partitionCount(topic: string): number;
}

export class ConsumerGroup {
  private readonly members = new Map<string, GroupMember>();
  private readonly committedOffsets = new Map<string, TopicPartitionOffset>();
  private queue: Promise<void> = Promise.resolve();

  constructor(
    readonly groupId: string,
    private readonly catalog: TopicCatalog,
  ) {}

  join(member: GroupMember): Promise<void> {
    this.members.set(member.memberId, member);
    return this.rebalance();
  }

  leave(member: GroupMember): Promise<void> {
    return this.enqueue(async () => {
      // The leaver gives its partitions back before the others share them out.
      await member.revoke(member.owned());
      this.members.delete(member.memberId);
      await this.assignAll();
    });
  }

  /** Topics were created or deleted: pattern and not-yet-existing subscriptions may now match. */
  rebalance(): Promise<void> {
    return this.enqueue(() => this.assignAll());
  }

  commit(member: GroupMember, offsets: TopicPartitionOffset[]): void {
    const owned = new Set(member.owned().map(topicPartitionKey));
    for (const offset of offsets) {
      if (!owned.has(topicPartitionKey(offset))) {
        throw new StreamError(
          'WEIR_BUS_NOT_ASSIGNED',
          `group "${this.groupId}": cannot commit ${topicPartitionKey(offset)}, not owned by this member (rebalanced?)`,
        );
      }
    }
    this.store(offsets);
  }

  /** Offsets committed by a transaction: Kafka accepts these without a membership check. */
  store(offsets: TopicPartitionOffset[]): void {
    for (const offset of offsets) {
      this.committedOffsets.set(topicPartitionKey(offset), { ...offset });
    }
  }

  memberCount(): number {
    return this.members.size;
  }

  committed(partition: TopicPartition): number | undefined {
    return this.committedOffsets.get(topicPartitionKey(partition))?.offset;
  }

  committedFor(topics: string[]): TopicPartitionOffset[] {
    const wanted = new Set(topics);
    return [...this.committedOffsets.values()].filter((o) => wanted.has(o.topic)).map((o) => ({ ...o }));
  }

  private enqueue(work: () => Promise<void>): Promise<void> {
    const next = this.queue.then(work);
    // A failed rebalance must not block the ones after it; the caller still sees the failure.
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async assignAll(): Promise<void> {
    const target = this.targetAssignment();
    const members = [...this.members.values()];
    for (const member of members) {
      const keep = target.get(member.memberId) ?? new Set<string>();
      const revoked = member.owned().filter((tp) => !keep.has(topicPartitionKey(tp)));
      if (revoked.length > 0) await member.revoke(revoked);
    }
    await Promise.all(
      members.map((member) => {
        const owned = new Set(member.owned().map(topicPartitionKey));
        const added = [...(target.get(member.memberId) ?? [])]
          .filter((key) => !owned.has(key))
          .map(parseTopicPartitionKey);
        return added.length > 0 ? member.assign(added) : Promise.resolve();
      }),
    );
  }

  /** Round robin over every subscribed partition, in a stable order (as kafkajs's assigner). */
  private targetAssignment(): Map<string, Set<string>> {
    const existing = this.catalog.topicNames();
    const members = [...this.members.values()].sort((a, b) => a.memberId.localeCompare(b.memberId));
    const subscriptions = new Map(members.map((m) => [m.memberId, new Set(m.subscribedTopics(existing))]));
    const target = new Map<string, Set<string>>(members.map((m) => [m.memberId, new Set<string>()]));
    const topics = [...new Set(members.flatMap((m) => [...subscriptions.get(m.memberId)!]))].sort();
    let turn = 0;
    for (const topic of topics) {
      const subscribers = members.filter((m) => subscriptions.get(m.memberId)!.has(topic));
      for (let partition = 0; partition < this.catalog.partitionCount(topic); partition++) {
        const member = subscribers[turn++ % subscribers.length]!;
        target.get(member.memberId)!.add(topicPartitionKey({ topic, partition }));
      }
    }
    return target;
  }
}

export function parseTopicPartitionKey(key: string): TopicPartition {
  const at = key.lastIndexOf(':');
  return { topic: key.slice(0, at), partition: Number(key.slice(at + 1)) };
}

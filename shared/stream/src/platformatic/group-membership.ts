/**
 * What a transaction's offsets are committed as (KIP-447): a group's member, whose generation
 * and member id let the coordinator refuse a zombie's commit. The bus's running consumer of the
 * group when there is one, else a client that never joins (generation -1: no fencing by
 * generation, as the Java client's `sendOffsetsToTransaction(offsets, groupId)`).
 */
import type { Consumer, Message, MessageConsumerMetadata } from '@platformatic/kafka';

export class GroupMembership {
  constructor(
    readonly consumer: Consumer<Buffer, Buffer, Buffer, Buffer>,
    private readonly joined: boolean,
  ) {}

  /** The group's coordinator, generation and member as of now. */
  async currentMetadata(): Promise<MessageConsumerMetadata> {
    const coordinatorId = this.consumer.coordinatorId ?? (await this.consumer.findGroupCoordinator());
    return {
      groupId: this.consumer.groupId,
      coordinatorId,
      generationId: this.joined ? this.consumer.generationId : -1,
      memberId: this.joined ? (this.consumer.memberId ?? '') : '',
    };
  }

  /** The client commits a transaction's offset from a consumed message: one standing for `offset`. */
  offsetMessage(topic: string, partition: number, offset: bigint, consumer: MessageConsumerMetadata): Message<Buffer, Buffer, Buffer, Buffer> {
    const empty = Buffer.alloc(0);
    return {
      topic,
      partition,
      offset,
      key: empty,
      value: empty,
      timestamp: 0n,
      headers: new Map(),
      headerEntries: [],
      leaderEpoch: -1,
      metadata: { consumer },
      commit: () => undefined,
      toJSON: () => ({ key: empty, value: empty, headers: [], topic, partition, timestamp: '0', offset: String(offset), leaderEpoch: -1, metadata: {} }),
    };
  }
}

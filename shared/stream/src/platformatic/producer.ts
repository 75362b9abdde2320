/**
 * Idempotent and transactional producers on @platformatic/kafka. KIP-447: a transaction's
 * offsets are committed under the group metadata (generation, member) of the bus's running
 * consumer of that group, so a zombie member's commit is refused.
 */
import { Producer, stringSerializer, type MessageToProduce, type Partitioner } from '@platformatic/kafka';
import { headerBuffer, keyBuffer, type BusProducer, type BusTransaction, type OutgoingMessage, type ProducerOptions, type RecordMetadata, type TopicPartitionOffset } from '../bus.js';
import type { KafkaConnection, KafkaTuning } from '../config.js';
import { StreamError } from '../errors.js';
import { murmur2, toPositive } from '../murmur2.js';
import { platformaticClientOptions } from './client-config.js';
import { clientCall, toStreamError } from './errors.js';
import type { GroupMembership } from './group-membership.js';

type ClientProducer = Producer<Buffer, Buffer, string, Buffer>;
/** The client's Transaction, which its index does not export. */
type ClientTransaction = Awaited<ReturnType<ClientProducer['beginTransaction']>>;

/** What a transaction's offsets are committed as: the member of the group (or a stand-in). */
export type GroupMetadataSource = (groupId: string) => Promise<GroupMembership>;

/**
 * Keyed records land where the Java client, kafkajs and the embedded bus put them (the client
 * takes the result modulo the partition count); keyless ones go round the partitions.
 */
function weirPartitioner(): Partitioner<Buffer, Buffer, string, Buffer> {
  let next = Math.floor(Math.random() * 1024);
  return (_message, key) => (key ? toPositive(murmur2(key)) : next++);
}

function toClientMessage(m: OutgoingMessage): MessageToProduce<Buffer, Buffer, string, Buffer> {
  const message: MessageToProduce<Buffer, Buffer, string, Buffer> = { topic: m.topic };
  const key = keyBuffer(m.key);
  if (key !== null) message.key = key;
  if (m.value !== null) message.value = m.value;
  if (m.partition !== undefined) message.partition = m.partition;
  if (m.timestamp !== undefined) message.timestamp = BigInt(m.timestamp);
  if (m.headers) {
    const headers = new Map<string, Buffer>();
    for (const name in m.headers) headers.set(name, headerBuffer(m.headers[name]!));
    message.headers = headers;
  }
  return message;
}

function toMetadata(offsets: ReadonlyArray<{ topic: string; partition: number; offset: bigint }> | undefined): RecordMetadata[] {
  return (offsets ?? []).map((o) => ({ topic: o.topic, partition: o.partition, baseOffset: Number(o.offset) }));
}

/** InitProducerId's "no producer yet" (KIP-360): a successor takes over the transactional id. */
const NEW_PRODUCER = { producerId: -1n, producerEpoch: -1 };

export class PlatformaticProducer implements BusProducer {
  private closed = false;
  private inTransaction = false;
  private fatal: StreamError | null = null;

  private constructor(
    private readonly producer: Producer<Buffer, Buffer, string, Buffer>,
    private readonly transactionalId: string | undefined,
    private readonly groupMember: GroupMetadataSource,
    private readonly onClosed: (p: PlatformaticProducer) => void,
  ) {}

  static async open(
    connection: KafkaConnection,
    tuning: KafkaTuning,
    options: ProducerOptions,
    groupMember: GroupMetadataSource,
    onClosed: (p: PlatformaticProducer) => void,
  ): Promise<PlatformaticProducer> {
    const { transactionalId } = options;
    const producer = new Producer<Buffer, Buffer, string, Buffer>({
      ...platformaticClientOptions(connection, tuning, 'producer'),
      idempotent: true,
      acks: -1,
      partitioner: weirPartitioner(),
      // As kafkajs's and librdkafka's producers: a topic the broker may auto-create is created at the first send.
      autocreateTopics: true,
      // Header names as text, values as bytes: what the bus's headers are.
      serializers: { headerKey: stringSerializer },
      // The client hands `timeout` to InitProducerId as the transaction timeout.
      ...(transactionalId !== undefined ? { transactionalId, timeout: tuning.transactionTimeoutMs } : {}),
    });
    if (transactionalId !== undefined) {
      // The client registers the id (InitProducerId) at the first transaction; one begun and
      // dropped does it now, fencing any older holder and waiting while its transaction aborts.
      // Producer id and epoch -1 say "a new producer": the client's default (0, 0) asks to bump
      // the epoch of producer 0, which the broker refuses as fenced once the id has a holder.
      await clientCall(`init transactional id ${transactionalId}`, async () => (await producer.beginTransaction(NEW_PRODUCER)).cancel());
    }
    return new PlatformaticProducer(producer, transactionalId, groupMember, onClosed);
  }

  async send(messages: OutgoingMessage[]): Promise<RecordMetadata[]> {
    this.checkOpen();
    if (this.transactionalId !== undefined) {
      throw new StreamError('WEIR_BUS_TRANSACTION', 'a transactional producer sends inside a transaction');
    }
    if (messages.length === 0) return [];
    const result = await clientCall(sendDoing(messages), () => this.producer.send({ messages: messages.map(toClientMessage) }));
    return toMetadata(result.offsets);
  }

  async beginTransaction(): Promise<BusTransaction> {
    this.checkOpen();
    const id = this.transactionalId;
    if (id === undefined) throw new StreamError('WEIR_BUS_TRANSACTION', 'transactions need a producer opened with a transactionalId');
    if (this.inTransaction) throw new StreamError('WEIR_BUS_TRANSACTION', 'one transaction at a time');
    const transaction = await this.guard(`begin transaction ${id}`, () => this.producer.beginTransaction());
    this.inTransaction = true;
    let open = true;
    const active = () => {
      this.checkOpen();
      if (!open) throw new StreamError('WEIR_BUS_TRANSACTION', 'the transaction is already committed or aborted');
    };
    const end = async (doing: string, finish: (t: ClientTransaction) => Promise<void>) => {
      active();
      open = false;
      try {
        await this.guard(doing, () => finish(transaction));
      } catch (err) {
        // A fenced or failed end leaves the client's transaction in place: drop it, so the
        // producer's state says no transaction is open.
        if (!transaction.completed) await transaction.cancel().catch(() => undefined);
        throw err;
      } finally {
        this.inTransaction = false;
      }
    };
    return {
      send: async (messages) => {
        active();
        if (messages.length === 0) return [];
        const result = await this.guard(sendDoing(messages), () => transaction.send({ messages: messages.map(toClientMessage) }));
        return toMetadata(result.offsets);
      },
      sendOffsets: async (groupId: string, offsets: TopicPartitionOffset[]) => {
        active();
        if (offsets.length === 0) return;
        const member = await this.groupMember(groupId);
        await this.guard(`send offsets in transaction ${id}`, async () => {
          await transaction.addConsumer(member.consumer);
          const consumer = await member.currentMetadata();
          // The client commits `offset + 1` of the message it is given: the last one handled.
          for (const o of offsets) await transaction.addOffset(member.offsetMessage(o.topic, o.partition, BigInt(o.offset) - 1n, consumer));
        });
      },
      commit: () => end(`commit transaction ${id}`, (t) => t.commit()),
      abort: () => end(`abort transaction ${id}`, (t) => t.abort()),
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.onClosed(this);
    await this.producer.close().catch(() => undefined);
  }

  /** Once fenced, a producer stays fenced: every later call says so instead of a state error. */
  private async guard<T>(doing: string, call: () => Promise<T>): Promise<T> {
    if (this.fatal) throw this.fatal;
    try {
      return await call();
    } catch (err) {
      const error = toStreamError(err, doing);
      if (error.code === 'WEIR_BUS_FENCED') this.fatal = error;
      throw error;
    }
  }

  private checkOpen(): void {
    if (this.closed) throw new StreamError('WEIR_BUS_CLOSED', 'producer is closed');
    if (this.fatal) throw this.fatal;
  }
}

function sendDoing(messages: OutgoingMessage[]): string {
  return `send to ${messages[0]!.topic}${messages.length > 1 ? ' and others' : ''}`;
}

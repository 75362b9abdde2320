import type { Kafka, Producer, RecordMetadata as KafkaRecordMetadata } from 'kafkajs';
import type { BusProducer, BusTransaction, OutgoingMessage, ProducerOptions, RecordMetadata, TopicPartitionOffset } from '../bus.js';
import type { KafkaTuning } from '../config.js';
import { StreamError } from '../errors.js';
import { hasErrorType, kafkaCall } from './errors.js';
import { toKafkaMessages, toKafkaOffsets } from './messages.js';
import { weirPartitioner } from './partitioner.js';
import { chunkMessages } from '../produce-chunks.js';

/**
 * kafkajs retries an idempotent producer's sends forever by default; bounded here (about 6 s in
 * all) so shutdown and the runner's own backoff stay in control: the runner retries a failed
 * produce itself. The short first wait matters for exactly-once: a transaction begun right after
 * the previous one committed meets CONCURRENT_TRANSACTIONS for a few ms, and kafkajs's default
 * first wait (300 ms) would put that on every batch.
 */
const SEND_RETRY = { retries: 8, initialRetryTime: 10, maxRetryTime: 5000 };

function toMetadata(result: KafkaRecordMetadata[]): RecordMetadata[] {
  return result.map((m) => ({ topic: m.topicName, partition: m.partition, baseOffset: Number(m.baseOffset ?? m.offset ?? -1) }));
}

/**
 * What a broker answers an idempotent producer whose sequence numbers it no longer agrees with:
 * after a broker restart, a batch kafkajs counted as sent may not be in the log. kafkajs keeps
 * its producer id and sequence, so every later send fails the same way; only a new producer id
 * (a new kafkajs producer) gets past it.
 */
const SEQUENCE_LOST = ['OUT_OF_ORDER_SEQUENCE_NUMBER', 'UNKNOWN_PRODUCER_ID', 'INVALID_PRODUCER_ID_MAPPING'];

export class KafkaProducer implements BusProducer {
  private closed = false;

  private constructor(
    private producer: Producer,
    private readonly transactionalId: string | undefined,
    private readonly onClosed: (p: KafkaProducer) => void,
    private readonly create: () => Producer,
  ) {}

  /** Connects; a transactional producer also registers its id now, fencing any older holder. */
  static async open(kafka: Kafka, options: ProducerOptions, tuning: KafkaTuning, onClosed: (p: KafkaProducer) => void) {
    const { transactionalId } = options;
    const create = () =>
      kafka.producer({
        createPartitioner: weirPartitioner,
        idempotent: true,
        maxInFlightRequests: 1,
        retry: SEND_RETRY,
        ...(transactionalId !== undefined ? { transactionalId, transactionTimeout: tuning.transactionTimeoutMs } : {}),
      });
    const producer = create();
    await kafkaCall('connect producer', () => producer.connect());
    if (transactionalId !== undefined) {
      // kafkajs registers the id (InitProducerId) lazily, at the first transaction; an empty one
      // forces it here and aborts without a request. Waits while the coordinator aborts the
      // previous holder's open transaction.
      await kafkaCall(`init transactional id ${transactionalId}`, async () => (await producer.transaction()).abort());
    }
    return new KafkaProducer(producer, transactionalId, onClosed, create);
  }

  async send(messages: OutgoingMessage[]): Promise<RecordMetadata[]> {
    this.checkOpen();
    if (this.transactionalId !== undefined) {
      throw new StreamError('WEIR_BUS_TRANSACTION', 'a transactional producer sends inside a transaction');
    }
    if (messages.length === 0) return [];
    const producer = this.producer;
    try {
      // In order, one request at a time (an idempotent producer with one request in flight).
      const metadata: RecordMetadata[] = [];
      for (const chunk of chunkMessages(messages)) {
        const result = await kafkaCall(`send to ${[...new Set(chunk.map((m) => m.topic))].join(', ')}`, () =>
          producer.sendBatch({ topicMessages: toKafkaMessages(chunk), acks: -1 }),
        );
        metadata.push(...toMetadata(result));
      }
      return metadata;
    } catch (error) {
      // The send still fails (the caller retries, at least once); the next one goes through a
      // new producer id instead of failing the same way until the broker forgets this one.
      if (SEQUENCE_LOST.some((type) => hasErrorType(error, type))) await this.renew(producer);
      throw error;
    }
  }

  private async renew(stale: Producer): Promise<void> {
    if (this.producer !== stale || this.closed) return;
    const fresh = this.create();
    await kafkaCall('connect producer', () => fresh.connect());
    if (this.closed) {
      await fresh.disconnect().catch(() => undefined);
      return;
    }
    this.producer = fresh;
    await stale.disconnect().catch(() => undefined);
  }

  async beginTransaction(): Promise<BusTransaction> {
    this.checkOpen();
    const id = this.transactionalId;
    if (id === undefined) {
      throw new StreamError('WEIR_BUS_TRANSACTION', 'transactions need a producer opened with a transactionalId');
    }
    const transaction = await kafkaCall(`begin transaction ${id}`, () => this.producer.transaction());
    const active = () => {
      this.checkOpen();
      if (!transaction.isActive()) throw new StreamError('WEIR_BUS_TRANSACTION', 'the transaction is already committed or aborted');
    };
    return {
      send: async (messages) => {
        active();
        if (messages.length === 0) return [];
        const metadata: RecordMetadata[] = [];
        for (const chunk of chunkMessages(messages)) {
          const result = await kafkaCall(`send in transaction ${id}`, () => transaction.sendBatch({ topicMessages: toKafkaMessages(chunk), acks: -1 }));
          metadata.push(...toMetadata(result));
        }
        return metadata;
      },
      sendOffsets: async (groupId: string, offsets: TopicPartitionOffset[]) => {
        active();
        if (offsets.length === 0) return;
        await kafkaCall(`send offsets in transaction ${id}`, () =>
          transaction.sendOffsets({ consumerGroupId: groupId, topics: toKafkaOffsets(offsets) }),
        );
      },
      commit: async () => {
        active();
        await kafkaCall(`commit transaction ${id}`, () => transaction.commit());
      },
      abort: async () => {
        active();
        await kafkaCall(`abort transaction ${id}`, () => transaction.abort());
      },
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.onClosed(this);
    await this.producer.disconnect().catch(() => undefined);
  }

  private checkOpen(): void {
    if (this.closed) throw new StreamError('WEIR_BUS_CLOSED', 'producer is closed');
  }
}

/**
 * Producer of the embedded bus. Appends are synchronous, so idempotence is free; transactions
 * go through the broker's coordinator, which also does the fencing.
 */
import {
  headerBuffer,
  keyBuffer,
  type BusProducer,
  type BusTransaction,
  type Headers,
  type HeadersInit,
  type OutgoingMessage,
  type RecordMetadata,
  type TopicPartitionOffset,
} from '../bus.js';
import { StreamError } from '../errors.js';
import { partitionForKey } from '../murmur2.js';
import type { EmbeddedBroker } from './broker.js';
import type { AppendedRecord, PartitionLog } from './partition-log.js';
import type { OpenTransaction } from './transactions.js';

function toHeaders(init: HeadersInit | undefined): Headers {
  const headers: Headers = {};
  if (init === undefined) return headers;
  for (const [name, value] of Object.entries(init)) headers[name] = headerBuffer(value);
  return headers;
}

export class EmbeddedProducer implements BusProducer {
  private closed = false;
  /** Round-robin position per topic for records without key or partition. */
  private readonly roundRobin = new Map<string, number>();
  private readonly epoch: number | null;
  private openTransaction: OpenTransaction | null = null;

  constructor(
    private readonly broker: EmbeddedBroker,
    private readonly transactionalId: string | undefined,
    private readonly onClosed: (producer: EmbeddedProducer) => void,
  ) {
    this.epoch = transactionalId === undefined ? null : broker.transactions.initProducer(transactionalId);
  }

  /** A send is appended at once. */
  readonly ordersSends = true;

  async send(messages: OutgoingMessage[]): Promise<RecordMetadata[]> {
    this.checkOpen();
    if (this.transactionalId !== undefined) {
      throw new StreamError('WEIR_BUS_TRANSACTION', 'a transactional producer sends inside a transaction');
    }
    return this.append(messages, null);
  }

  async beginTransaction(): Promise<BusTransaction> {
    this.checkOpen();
    const { transactionalId, epoch } = this;
    if (transactionalId === undefined || epoch === null) {
      throw new StreamError('WEIR_BUS_TRANSACTION', 'transactions need a producer opened with a transactionalId');
    }
    const transaction = this.broker.transactions.begin(transactionalId, epoch);
    this.openTransaction = transaction;
    const coordinator = this.broker.transactions;
    const active = () => {
      this.checkOpen();
      coordinator.checkEpoch(transactionalId, epoch);
      if (this.openTransaction !== transaction) {
        throw new StreamError('WEIR_BUS_TRANSACTION', 'the transaction is already committed or aborted');
      }
    };
    const end = (outcome: 'committed' | 'aborted') => {
      active();
      this.openTransaction = null;
      coordinator.end(transactionalId, epoch, transaction, outcome);
    };
    return {
      send: async (messages) => {
        active();
        return this.append(messages, transaction);
      },
      sendOffsets: async (groupId: string, offsets: TopicPartitionOffset[]) => {
        active();
        transaction.offsets.push({ groupId, offsets: offsets.map((o) => ({ ...o })) });
      },
      commit: async () => end('committed'),
      abort: async () => end('aborted'),
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.onClosed(this);
  }

  private checkOpen(): void {
    if (this.closed) throw new StreamError('WEIR_BUS_CLOSED', 'producer is closed');
  }

  private append(messages: OutgoingMessage[], transaction: OpenTransaction | null): RecordMetadata[] {
    // Resolve every partition first, so an invalid record fails the call before anything is written.
    const groups = new Map<PartitionLog, AppendedRecord[]>();
    const now = Date.now();
    for (const message of messages) {
      const key = keyBuffer(message.key);
      const log = this.broker.partition(message.topic, this.partitionOf(message, key));
      let records = groups.get(log);
      if (!records) groups.set(log, (records = []));
      records.push({ key, value: message.value, headers: toHeaders(message.headers), timestamp: message.timestamp ?? now });
    }
    const metadata: RecordMetadata[] = [];
    for (const [log, records] of groups) {
      if (transaction) transaction.partitions.add(log);
      const baseOffset = log.append(records, transaction?.ref ?? null);
      metadata.push({ topic: log.topic, partition: log.partition, baseOffset });
    }
    return metadata;
  }

  private partitionOf(message: OutgoingMessage, key: Buffer | null): number {
    const count = this.broker.topicForProduce(message.topic).partitions.length;
    if (message.partition !== undefined) return message.partition;
    if (key !== null) return partitionForKey(key, count);
    const next = this.roundRobin.get(message.topic) ?? 0;
    this.roundRobin.set(message.topic, next + 1);
    return next % count;
  }
}

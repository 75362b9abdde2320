/**
 * Reads single partitions from an offset, for state restores: a librdkafka consumer with a
 * manual assignment (no group join, nothing committed), read_committed. Reads of one partition
 * run one after another; reads of different partitions share one fetch loop.
 */
import { randomUUID } from 'node:crypto';
import { RdKafka } from '@confluentinc/kafka-javascript';
import type { Logger } from 'pino';
import type { ConsumedMessage, Headers, PartitionReader, TopicPartitionOffset } from '../bus.js';
import type { KafkaTuning } from '../config.js';
import { PartitionReadQueues, type ReadRequest } from '../client/read-queues.js';
import { StreamError } from '../errors.js';
import type { RdKafkaConfig } from './client-config.js';
import { callback, toStreamError } from './errors.js';

const FETCH_RECORDS = 10_000;


export class ConfluentPartitionReader implements PartitionReader {
  private readonly requests = new Map<number, ReadRequest>();
  /** Reads of one partition run one at a time. */
  private readonly queues: PartitionReadQueues;
  private loop: Promise<void> | null = null;
  private closed = false;

  private constructor(
    private readonly consumer: RdKafka.KafkaConsumer,
    readonly topic: string,
  ) {
    this.queues = new PartitionReadQueues(topic);
  }

  static async open(base: RdKafkaConfig, topic: string, clientId: string, tuning: KafkaTuning, logger: Logger): Promise<ConfluentPartitionReader> {
    const consumer = new RdKafka.KafkaConsumer({
      ...base,
      'group.id': `${clientId}.reader.${randomUUID()}`,
      'enable.auto.commit': false,
      'enable.auto.offset.store': false,
      'isolation.level': 'read_committed',
      'fetch.wait.max.ms': tuning.maxWaitTimeMs,
      'max.partition.fetch.bytes': 4 * 1024 * 1024,
      'topic.metadata.refresh.interval.ms': tuning.topicWatchIntervalMs,
    });
    consumer.on('event.error', (err) => logger.warn({ err, topic }, `partition reader: ${err.message}`));
    await callback(`open reader of ${topic}`, (done) => consumer.connect({ timeout: tuning.connectionTimeoutMs * 3 }, (err) => done(err)));
    consumer.setDefaultConsumeTimeout(Math.max(10, tuning.maxWaitTimeMs));
    return new ConfluentPartitionReader(consumer, topic);
  }

  read(position: TopicPartitionOffset, onBatch: ReadRequest['onBatch']): Promise<void> {
    return this.queues.enqueue(position, () => this.readOne(position, onBatch));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const request of this.requests.values()) request.reject(new StreamError('WEIR_BUS_CLOSED', 'partition reader is closed'));
    this.requests.clear();
    await this.loop;
    await new Promise<void>((resolve) => {
      try {
        this.consumer.disconnect(() => resolve());
      } catch {
        resolve();
      }
    });
  }

  private readOne(position: TopicPartitionOffset, onBatch: ReadRequest['onBatch']): Promise<void> {
    if (this.closed) return Promise.reject(new StreamError('WEIR_BUS_CLOSED', 'partition reader is closed'));
    return new Promise<void>((resolve, reject) => {
      this.requests.set(position.partition, { position: position.offset, onBatch, resolve, reject });
      this.reassign();
      this.loop ??= this.fetchLoop().finally(() => (this.loop = null));
    });
  }

  /** The assignment is every partition being read, each from where its read has got to. */
  private reassign(): void {
    this.consumer.assign([...this.requests].map(([partition, r]) => ({ topic: this.topic, partition, offset: r.position })));
  }

  private async fetchLoop(): Promise<void> {
    while (!this.closed && this.requests.size > 0) {
      let messages: RdKafka.Message[];
      try {
        messages = await callback<RdKafka.Message[]>(`read ${this.topic}`, (done) => this.consumer.consume(FETCH_RECORDS, done));
      } catch (err) {
        for (const request of this.requests.values()) request.reject(toStreamError(err, `read ${this.topic}`));
        this.requests.clear();
        break;
      }
      let changed = false;
      for (const [partition, records] of byPartition(messages)) {
        const request = this.requests.get(partition);
        if (!request) continue;
        const wanted = records.filter((m) => m.offset >= request.position);
        if (wanted.length === 0) continue;
        request.position = wanted[wanted.length - 1]!.offset + 1;
        let done: boolean;
        try {
          done = await request.onBatch(wanted.map((m) => toConsumed(this.topic, m)));
        } catch (err) {
          done = true;
          request.reject(err);
        }
        if (done) {
          this.requests.delete(partition);
          request.resolve();
          changed = true;
        }
      }
      if (changed && !this.closed) this.reassign();
    }
  }
}

function byPartition(messages: RdKafka.Message[]): Map<number, RdKafka.Message[]> {
  const result = new Map<number, RdKafka.Message[]>();
  for (const m of messages) {
    const list = result.get(m.partition);
    if (list) list.push(m);
    else result.set(m.partition, [m]);
  }
  return result;
}

export function rdkafkaHeaders(headers: RdKafka.MessageHeader[] | undefined): Headers {
  const result: Headers = {};
  if (!headers) return result;
  // A repeated header: the last value wins, as documented on `Headers`.
  for (const header of headers) for (const name in header) result[name] = Buffer.from(header[name]!);
  return result;
}

function toConsumed(topic: string, m: RdKafka.Message): ConsumedMessage {
  return {
    topic,
    partition: m.partition,
    offset: m.offset,
    key: m.key === undefined || m.key === null ? null : Buffer.isBuffer(m.key) ? m.key : Buffer.from(m.key),
    value: m.value,
    headers: rdkafkaHeaders(m.headers),
    timestamp: m.timestamp ?? -1,
  };
}

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
import type { RdKafkaConfig } from './client-config.js';
import { callback, toStreamError } from './errors.js';

const FETCH_RECORDS = 10_000;


export class ConfluentPartitionReader implements PartitionReader {
  private readonly reads: PartitionReadQueues;
  private loop: Promise<void> | null = null;

  private constructor(
    private readonly consumer: RdKafka.KafkaConsumer,
    readonly topic: string,
  ) {
    this.reads = new PartitionReadQueues(topic);
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
    return this.reads.enqueue(position, onBatch, () => {
      this.reassign();
      this.loop ??= this.fetchLoop().finally(() => (this.loop = null));
    });
  }

  async close(): Promise<void> {
    if (!this.reads.close()) return;
    await this.loop;
    await new Promise<void>((resolve) => {
      try {
        this.consumer.disconnect(() => resolve());
      } catch {
        resolve();
      }
    });
  }

  /** The assignment is every partition being read, each from where its read has got to. */
  private reassign(): void {
    this.consumer.assign([...this.reads.requests].map(([partition, r]) => ({ topic: this.topic, partition, offset: r.position })));
  }

  private async fetchLoop(): Promise<void> {
    const { requests } = this.reads;
    while (!this.reads.closed && requests.size > 0) {
      let messages: RdKafka.Message[];
      try {
        messages = await callback<RdKafka.Message[]>(`read ${this.topic}`, (done) => this.consumer.consume(FETCH_RECORDS, done));
      } catch (err) {
        this.reads.failAll(toStreamError(err, `read ${this.topic}`));
        break;
      }
      let changed = false;
      for (const [partition, records] of byPartition(messages)) {
        const request = requests.get(partition);
        if (!request) continue;
        const wanted = records.filter((m) => m.offset >= request.position);
        if (wanted.length === 0) continue;
        request.position = wanted[wanted.length - 1]!.offset + 1;
        if (await this.reads.handOver(partition, request, wanted.map((m) => toConsumed(this.topic, m)))) changed = true;
      }
      if (changed && !this.reads.closed) this.reassign();
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

export function toConsumed(topic: string, m: RdKafka.Message): ConsumedMessage {
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

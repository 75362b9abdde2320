/**
 * Reads single partitions from an offset, for state restores: the client's fetch without a
 * group (nothing joined, nothing committed), read_committed. Reads of one partition run one
 * after another; reads of different partitions share one fetch loop.
 */
import { randomUUID } from 'node:crypto';
import { Consumer, FetchIsolationLevels } from '@platformatic/kafka';
import type { PartitionReader, TopicPartitionOffset } from '../bus.js';
import type { KafkaConnection, KafkaTuning } from '../config.js';
import { PartitionReadQueues, type ReadRequest } from '../client/read-queues.js';
import { StreamError } from '../errors.js';
import { platformaticClientOptions } from './client-config.js';
import { toStreamError } from './errors.js';
import { fetchedPartitions, fetchRequests, topicNamesById } from './records.js';

const READ_BYTES_PER_PARTITION = 4 * 1024 * 1024;

export class PlatformaticPartitionReader implements PartitionReader {
  private readonly requests = new Map<number, ReadRequest>();
  private readonly queues: PartitionReadQueues;
  private readonly client: Consumer<Buffer, Buffer, Buffer, Buffer>;
  private loop: Promise<void> | null = null;
  private closed = false;

  constructor(connection: KafkaConnection, readonly topic: string, tuning: KafkaTuning) {
    this.queues = new PartitionReadQueues(topic);
    this.client = new Consumer<Buffer, Buffer, Buffer, Buffer>({
      ...platformaticClientOptions(connection, tuning, 'reader'),
      groupId: `${connection.clientId}.reader.${randomUUID()}`,
      autocommit: false,
      isolationLevel: FetchIsolationLevels.READ_COMMITTED,
      maxWaitTime: tuning.maxWaitTimeMs,
      minBytes: 1,
      maxBytes: READ_BYTES_PER_PARTITION * 4,
    });
    // The fetch asks for metadata of the tracked topics.
    this.client.topics.track(topic);
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
    await this.client.close().catch(() => undefined);
  }

  private readOne(position: TopicPartitionOffset, onBatch: ReadRequest['onBatch']): Promise<void> {
    if (this.closed) return Promise.reject(new StreamError('WEIR_BUS_CLOSED', 'partition reader is closed'));
    return new Promise<void>((resolve, reject) => {
      this.requests.set(position.partition, { position: position.offset, onBatch, resolve, reject });
      this.loop ??= this.fetchLoop().finally(() => (this.loop = null));
    });
  }

  private async fetchLoop(): Promise<void> {
    while (!this.closed && this.requests.size > 0) {
      let fetched;
      try {
        const metadata = await this.client.metadata({ topics: [this.topic] });
        const wanted = [...this.requests].map(([partition, r]) => ({ topic: this.topic, partition, offset: r.position }));
        const requests = fetchRequests(metadata, wanted, READ_BYTES_PER_PARTITION);
        const responses = await Promise.all([...requests].map(([node, topics]) => this.client.fetch({ node, topics })));
        const names = topicNamesById(metadata);
        fetched = responses.flatMap((response) => fetchedPartitions(response, names, (_topic, partition) => this.requests.get(partition)?.position));
      } catch (err) {
        for (const request of this.requests.values()) request.reject(toStreamError(err, `read ${this.topic}`));
        this.requests.clear();
        break;
      }
      for (const { partition, messages, next } of fetched) {
        const request = this.requests.get(partition);
        if (!request) continue;
        request.position = Math.max(request.position, next);
        if (messages.length === 0) continue;
        let done: boolean;
        try {
          done = await request.onBatch(messages);
        } catch (err) {
          done = true;
          request.reject(err);
        }
        if (done) {
          this.requests.delete(partition);
          request.resolve();
        }
      }
    }
  }
}

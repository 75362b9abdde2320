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
import { platformaticClientOptions } from './client-config.js';
import { toStreamError } from './errors.js';
import { fetchedPartitions, fetchRequests, topicNamesById } from './records.js';

const READ_BYTES_PER_PARTITION = 4 * 1024 * 1024;

export class PlatformaticPartitionReader implements PartitionReader {
  private readonly reads: PartitionReadQueues;
  private readonly client: Consumer<Buffer, Buffer, Buffer, Buffer>;
  private loop: Promise<void> | null = null;

  constructor(connection: KafkaConnection, readonly topic: string, tuning: KafkaTuning) {
    this.reads = new PartitionReadQueues(topic);
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
    return this.reads.enqueue(position, onBatch, () => {
      this.loop ??= this.fetchLoop().finally(() => (this.loop = null));
    });
  }

  async close(): Promise<void> {
    if (!this.reads.close()) return;
    await this.loop;
    await this.client.close().catch(() => undefined);
  }

  private async fetchLoop(): Promise<void> {
    const { requests } = this.reads;
    while (!this.reads.closed && requests.size > 0) {
      let fetched;
      try {
        const metadata = await this.client.metadata({ topics: [this.topic] });
        const wanted = [...requests].map(([partition, r]) => ({ topic: this.topic, partition, offset: r.position }));
        const fetches = fetchRequests(metadata, wanted, READ_BYTES_PER_PARTITION);
        const responses = await Promise.all([...fetches].map(([node, topics]) => this.client.fetch({ node, topics })));
        const names = topicNamesById(metadata);
        fetched = responses.flatMap((response) => fetchedPartitions(response, names, (_topic, partition) => requests.get(partition)?.position));
      } catch (err) {
        this.reads.failAll(toStreamError(err, `read ${this.topic}`));
        break;
      }
      for (const { partition, messages, next } of fetched) {
        const request = requests.get(partition);
        if (!request) continue;
        request.position = Math.max(request.position, next);
        if (messages.length > 0) await this.reads.handOver(partition, request, messages);
      }
    }
  }
}

/**
 * Reads single partitions from an offset, for state restores. kafkajs has no consumer without a
 * group (no `assign`), so this is a consumer in a group of its own that never commits: every
 * partition is paused until asked for; a read seeks, resumes, and pauses again when done.
 * One group join per reader (not per read) keeps restores fast. It reads read_committed, as
 * kafkajs consumers do by default: a restore must not apply a batch whose transaction aborted
 * (see patches/kafkajs@2.2.4.patch for what kafkajs got wrong there).
 */
import { randomUUID } from 'node:crypto';
import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import type { PartitionReader, TopicPartitionOffset } from '../bus.js';
import type { KafkaTuning } from '../config.js';
import { PartitionReadQueues, type ReadRequest } from '../client/read-queues.js';
import { sleep } from '../sleep.js';
import { heartbeatInterval } from '../client/group-consumer.js';
import { CLIENT_RETRY } from './client-config.js';
import { isBrokerUnreachable, kafkaCall } from './errors.js';
import { fromClientMessage } from '../client/messages.js';


export class KafkaPartitionReader implements PartitionReader {
  private readonly reads: PartitionReadQueues;

  private constructor(
    private readonly consumer: Consumer,
    readonly topic: string,
  ) {
    this.reads = new PartitionReadQueues(topic);
  }

  static async open(kafka: Kafka, topic: string, clientId: string, tuning: KafkaTuning, logger: Logger) {
    let reader: KafkaPartitionReader | undefined;
    const consumer = kafka.consumer({
      groupId: `${clientId}.reader.${randomUUID()}`,
      sessionTimeout: tuning.sessionTimeoutMs,
      heartbeatInterval: heartbeatInterval(tuning.sessionTimeoutMs),
      maxWaitTimeInMs: tuning.maxWaitTimeMs,
      maxBytesPerPartition: 4 * 1024 * 1024,
      allowAutoTopicCreation: false,
      // A crash after close must not start the consumer again on kafkajs's timer.
      retry: { ...CLIENT_RETRY, restartOnFailure: async () => reader?.reads.closed !== true },
    });
    const opened = new KafkaPartitionReader(consumer, topic);
    reader = opened;
    const run = () => consumer.run({ autoCommit: false, eachBatch: (payload) => opened.deliver(payload) });
    // As a stage's consumer (KafkaConsumer's restart after a crash): a crash kafkajs does not
    // restart from, though it only says no broker answered, would leave every later restore failing
    // with "Consumer group was not initialized".
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (payload.restart || opened.reads.closed || !isBrokerUnreachable(payload.error)) return;
      void sleep(CLIENT_RETRY.maxRetryTime).then(async () => {
        if (opened.reads.closed) return;
        logger.warn({ topic }, 'restarting the partition reader: the broker did not answer');
        await run().catch((err: unknown) => logger.warn({ err, topic }, 'partition reader restart failed'));
      });
    });
    try {
      await kafkaCall(`open reader of ${topic}`, async () => {
        await consumer.connect();
        await consumer.subscribe({ topics: [topic], fromBeginning: true });
        await run();
      });
    } catch (err) {
      await opened.close();
      throw err;
    }
    logger.debug({ topic }, 'partition reader started');
    return opened;
  }

  read(position: TopicPartitionOffset, onBatch: ReadRequest['onBatch']): Promise<void> {
    const { partition, offset } = position;
    return this.reads.enqueue(position, onBatch, () => {
      this.consumer.seek({ topic: this.topic, partition, offset: String(offset) });
      this.consumer.resume([{ topic: this.topic, partitions: [partition] }]);
    });
  }

  async close(): Promise<void> {
    if (!this.reads.close()) return;
    await this.consumer.disconnect().catch(() => undefined);
  }

  private async deliver({ batch, isStale, pause }: EachBatchPayload): Promise<void> {
    const request = this.reads.requests.get(batch.partition);
    if (!request) {
      pause();
      return;
    }
    if (isStale()) return;
    const messages = batch.messages
      .map((m) => fromClientMessage(batch.topic, batch.partition, m))
      .filter((m) => m.offset >= request.position);
    if (messages.length === 0) return;
    request.position = messages[messages.length - 1]!.offset + 1;
    await this.reads.handOver(batch.partition, request, messages, pause);
  }
}

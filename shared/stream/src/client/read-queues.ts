/** A partition reader's bookkeeping shared by both Kafka clients: one topic, reads of a partition one at a time. */
import type { ConsumedMessage, TopicPartitionOffset } from '../bus.js';
import { StreamError } from '../errors.js';

/** One read in progress on a partition. */
export interface ReadRequest {
  /** Next offset wanted: earlier records (fetched before a seek or reassignment) are skipped. */
  position: number;
  onBatch: (messages: ConsumedMessage[]) => boolean | Promise<boolean>;
  resolve: () => void;
  reject: (err: unknown) => void;
}

export class PartitionReadQueues {
  private readonly queues = new Map<number, Promise<void>>();

  constructor(readonly topic: string) {}

  /** Runs `read` after the reads of the same partition asked for before it. */
  enqueue(position: TopicPartitionOffset, read: () => Promise<void>): Promise<void> {
    if (position.topic !== this.topic) {
      return Promise.reject(new StreamError('WEIR_BUS_INVALID', `this reader reads ${this.topic}, not ${position.topic}`));
    }
    const previous = this.queues.get(position.partition) ?? Promise.resolve();
    const next = previous.then(read);
    this.queues.set(position.partition, next.catch(() => undefined));
    return next;
  }
}

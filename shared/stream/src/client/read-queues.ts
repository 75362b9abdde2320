/**
 * A partition reader's bookkeeping shared by every Kafka client: one topic, reads of a partition
 * one at a time, the read in progress on each partition, and the close that ends them all.
 */
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

const closedError = () => new StreamError('WEIR_BUS_CLOSED', 'partition reader is closed');

export class PartitionReadQueues {
  private readonly queues = new Map<number, Promise<void>>();
  /** The read in progress on each partition. */
  readonly requests = new Map<number, ReadRequest>();
  private isClosed = false;

  constructor(readonly topic: string) {}

  get closed(): boolean {
    return this.isClosed;
  }

  /**
   * Runs a read of `position` after the reads of the same partition asked for before it: it is
   * in progress from `started` (which sets the client fetching) until its onBatch says done.
   */
  enqueue(position: TopicPartitionOffset, onBatch: ReadRequest['onBatch'], started: () => void): Promise<void> {
    if (position.topic !== this.topic) {
      return Promise.reject(new StreamError('WEIR_BUS_INVALID', `this reader reads ${this.topic}, not ${position.topic}`));
    }
    const previous = this.queues.get(position.partition) ?? Promise.resolve();
    const next = previous.then(() => this.begin(position, onBatch, started));
    this.queues.set(position.partition, next.catch(() => undefined));
    return next;
  }

  /** Hands a partition's records to its read; true once the read is done (and `done` ran before it resolved). */
  async handOver(partition: number, request: ReadRequest, messages: ConsumedMessage[], done?: () => void): Promise<boolean> {
    let finished: boolean;
    try {
      finished = await request.onBatch(messages);
    } catch (err) {
      finished = true;
      request.reject(err);
    }
    if (finished) {
      this.requests.delete(partition);
      done?.();
      request.resolve();
    }
    return finished;
  }

  /** The client failed: every read in progress fails with `err`. */
  failAll(err: unknown): void {
    for (const request of this.requests.values()) request.reject(err);
    this.requests.clear();
  }

  /** Fails every read in progress and any asked for later; false if it was closed already. */
  close(): boolean {
    if (this.isClosed) return false;
    this.isClosed = true;
    this.failAll(closedError());
    return true;
  }

  private begin(position: TopicPartitionOffset, onBatch: ReadRequest['onBatch'], started: () => void): Promise<void> {
    if (this.isClosed) return Promise.reject(closedError());
    return new Promise<void>((resolve, reject) => {
      this.requests.set(position.partition, { position: position.offset, onBatch, resolve, reject });
      started();
    });
  }
}

/**
 * A consumer-group member of the embedded bus. Each owned partition has a cursor pumped by its
 * own loop; a semaphore bounds how many partitions' batches are handled at once. A cursor waits
 * on its log (new records, a transaction completing) and on itself (seek, pause, revoke).
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import {
  DEFAULT_MAX_BATCH_BYTES_PER_PARTITION,
  topicPartitionKey,
  type BatchHandler,
  type BusConsumer,
  type ConsumerOptions,
  type IsolationLevel,
  type MessageBatch,
  type TopicPartition,
  type TopicPartitionOffset,
} from '../bus.js';
import { describeError, StreamError } from '../errors.js';
import { Semaphore } from '../semaphore.js';
import { sleep } from '../sleep.js';
import type { EmbeddedBroker } from './broker.js';
import type { GroupMember } from './group.js';
import { Listeners, waitForAny } from './listeners.js';
import type { PartitionLog } from './partition-log.js';

/** Records per delivered batch: large enough to amortise per-batch work, small enough to stay responsive. */
const MAX_BATCH_RECORDS = 1000;
/** Pause before a batch whose handler failed is delivered again. */
const REDELIVERY_PAUSE_MS = 500;
/** Idle cursors re-check their log this often even without a wake-up (a safety net, not the path). */
const IDLE_RECHECK_MS = 1000;

interface Cursor extends TopicPartition {
  log: PartitionLog;
  position: number;
  /** Bumped by every seek, so a batch in hand knows it went stale. */
  seekGeneration: number;
  paused: boolean;
  active: boolean;
  wake: Listeners;
  pump: Promise<void>;
}

export class EmbeddedConsumer implements BusConsumer, GroupMember {
  readonly memberId = randomUUID();
  private subscription: string[] | RegExp | null = null;
  private readonly cursors = new Map<string, Cursor>();
  private handler: BatchHandler | null = null;
  private readonly slots: Semaphore;
  private readonly isolation: IsolationLevel;
  private readonly maxBatchBytes: number;
  private state: 'new' | 'running' | 'stopped' = 'new';

  constructor(
    private readonly broker: EmbeddedBroker,
    private readonly options: ConsumerOptions,
    private readonly logger: Logger,
    private readonly onStopped: (consumer: EmbeddedConsumer) => void,
  ) {
    if (!options.groupId) throw new StreamError('WEIR_BUS_INVALID', 'a consumer needs a non-empty groupId');
    this.slots = new Semaphore(Math.max(1, options.concurrency ?? 1));
    this.isolation = options.isolation ?? 'read_committed';
    this.maxBatchBytes = options.maxBatchBytes ?? DEFAULT_MAX_BATCH_BYTES_PER_PARTITION;
  }

  async subscribe(topics: string[] | RegExp): Promise<void> {
    if (this.state !== 'new') throw new StreamError('WEIR_BUS_INVALID', 'subscribe before run');
    this.subscription = topics;
  }

  async run(handler: BatchHandler): Promise<void> {
    if (this.state !== 'new') throw new StreamError('WEIR_BUS_INVALID', 'run may be called once');
    if (!this.subscription) throw new StreamError('WEIR_BUS_INVALID', 'subscribe before run');
    this.handler = handler;
    this.state = 'running';
    await this.broker.group(this.options.groupId).join(this);
  }

  subscribedTopics(existing: string[]): string[] {
    const subscription = this.subscription;
    if (this.state !== 'running' || !subscription) return [];
    if (subscription instanceof RegExp) return existing.filter((t) => subscription.test(t));
    return subscription.filter((t) => existing.includes(t));
  }

  owned(): TopicPartition[] {
    return [...this.cursors.values()].map(({ topic, partition }) => ({ topic, partition }));
  }

  assignment(): TopicPartition[] {
    return this.owned();
  }

  async assign(partitions: TopicPartition[]): Promise<void> {
    const group = this.broker.group(this.options.groupId);
    const created: Cursor[] = [];
    for (const tp of partitions) {
      const log = this.broker.partition(tp.topic, tp.partition);
      const reset = this.options.startFrom === 'latest' ? log.endOffset : log.logStartOffset;
      const cursor: Cursor = {
        ...tp,
        log,
        position: group.committed(tp) ?? reset,
        seekGeneration: 0,
        paused: false,
        active: true,
        wake: new Listeners(),
        pump: Promise.resolve(),
      };
      this.cursors.set(topicPartitionKey(tp), cursor);
      created.push(cursor);
    }
    // The callback runs before the first delivery (it may restore state or seek).
    await this.callback('onPartitionsAssigned', partitions);
    for (const cursor of created) cursor.pump = this.pump(cursor);
  }

  async revoke(partitions: TopicPartition[]): Promise<void> {
    const cursors = partitions.flatMap((tp) => this.cursors.get(topicPartitionKey(tp)) ?? []);
    for (const cursor of cursors) {
      cursor.active = false;
      cursor.wake.notify();
    }
    await Promise.all(cursors.map((c) => c.pump));
    // Still owned during the callback, so it may commit.
    await this.callback('onPartitionsRevoked', partitions);
    for (const cursor of cursors) this.cursors.delete(topicPartitionKey(cursor));
  }

  async commit(offsets: TopicPartitionOffset[]): Promise<void> {
    this.broker.group(this.options.groupId).commit(this, offsets);
  }

  async committed(topics: string[]): Promise<TopicPartitionOffset[]> {
    return this.broker.group(this.options.groupId).committedFor(topics);
  }

  seek(position: TopicPartitionOffset): void {
    const cursor = this.ownedCursor(position);
    cursor.position = position.offset;
    cursor.seekGeneration++;
    cursor.wake.notify();
  }

  async seekToTimestamp(topic: string, timestamp: number): Promise<void> {
    for (const cursor of this.cursors.values()) {
      if (cursor.topic === topic) this.seek({ ...cursor, offset: cursor.log.offsetForTimestamp(timestamp) });
    }
  }

  pause(partitions: TopicPartition[]): void {
    for (const tp of partitions) this.ownedCursor(tp).paused = true;
  }

  resume(partitions: TopicPartition[]): void {
    for (const tp of partitions) {
      const cursor = this.ownedCursor(tp);
      cursor.paused = false;
      cursor.wake.notify();
    }
  }

  async stop(): Promise<void> {
    if (this.state === 'stopped') return;
    const wasRunning = this.state === 'running';
    this.state = 'stopped';
    if (wasRunning) await this.broker.group(this.options.groupId).leave(this);
    this.onStopped(this);
  }

  position(tp: TopicPartition): number | undefined {
    return this.cursors.get(topicPartitionKey(tp))?.position;
  }

  private ownedCursor(tp: TopicPartition): Cursor {
    const cursor = this.cursors.get(topicPartitionKey(tp));
    if (!cursor) {
      throw new StreamError('WEIR_BUS_NOT_ASSIGNED', `${topicPartitionKey(tp)} is not assigned to this consumer`);
    }
    return cursor;
  }

  private async pump(cursor: Cursor): Promise<void> {
    while (cursor.active) {
      if (cursor.paused) {
        await waitForAny([cursor.wake], IDLE_RECHECK_MS);
        continue;
      }
      const read = cursor.log.read(cursor.position, this.isolation, MAX_BATCH_RECORDS, this.maxBatchBytes);
      if (read.messages.length === 0) {
        cursor.position = read.nextOffset;
        await waitForAny([cursor.log.changed, cursor.wake], IDLE_RECHECK_MS);
        continue;
      }
      await this.slots.acquire();
      try {
        if (!cursor.active) break;
        await this.deliver(cursor, read.messages, read.nextOffset);
      } finally {
        this.slots.release();
      }
      // Everything in-process resolves at once: without a turn of the event loop between batches,
      // a backlog is drained in one long chain of microtasks, and the process's own timers and
      // sockets (a dashboard, /healthz) wait until it is gone: seconds on a busy machine.
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  private async deliver(cursor: Cursor, messages: MessageBatch['messages'], nextOffset: number): Promise<void> {
    const generation = cursor.seekGeneration;
    const batch: MessageBatch = {
      topic: cursor.topic,
      partition: cursor.partition,
      messages,
      highWatermark: cursor.log.endOffset,
      heartbeat: async () => undefined,
      isStale: () => cursor.seekGeneration !== generation || !cursor.active,
    };
    try {
      await this.handler!(batch);
      if (cursor.seekGeneration === generation) cursor.position = nextOffset;
    } catch (err) {
      this.logger.error(
        { err, topic: cursor.topic, partition: cursor.partition, offset: messages[0]!.offset },
        `batch handler failed, delivering the batch again: ${describeError(err)}`,
      );
      await sleep(REDELIVERY_PAUSE_MS);
    }
  }

  private async callback(name: 'onPartitionsAssigned' | 'onPartitionsRevoked', partitions: TopicPartition[]) {
    const callback = this.options[name];
    if (!callback || partitions.length === 0) return;
    try {
      await callback(partitions);
    } catch (err) {
      this.logger.error({ err, partitions }, `${name} callback failed: ${describeError(err)}`);
    }
  }
}

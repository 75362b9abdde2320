import type { TopicPartition } from '../bus.js';
import { Mutex } from '../mutex.js';
import type { KeyedStateStore } from '../state/store.js';
import type { PartitionWriter } from './delivery.js';

/** What the runner holds for one owned input partition. */
export class PartitionTask<S, L = never> {
  /** Batches and ticks of this partition run one at a time. */
  readonly lock = new Mutex();
  private readonly abandoned = new AbortController();

  /** Set when the partition is revoked or fenced: nothing more is written for it. */
  get lost(): boolean {
    return this.abandoned.signal.aborted;
  }

  set lost(lost: boolean) {
    if (lost) this.abandoned.abort();
  }

  /** Aborted once the partition is lost: a wait for a dependency then ends at once. */
  get signal(): AbortSignal {
    return this.abandoned.signal;
  }

  private waitsEnd: AbortSignal | undefined;

  /** Aborted when the partition is lost or `run` stops: one signal per task, not one per chunk. */
  waitSignal(run: AbortSignal): AbortSignal {
    this.waitsEnd ??= AbortSignal.any([run, this.abandoned.signal]);
    return this.waitsEnd;
  }
  /**
   * The offset after the last input record processed and written (or skipped as already in the
   * state). Records below it are never applied again, however often the consumer delivers them.
   */
  next: number;

  /**
   * The offset after the last input record applied to the state. Ahead of `next` while the write
   * of its chunk is in flight: records below it are never applied again either.
   */
  applied: number;

  /**
   * The partition's writes in flight, oldest first: started by the chunks processed and not
   * awaited by their batch (the next chunks and batches are processed meanwhile). Each is true
   * once durable, false when nothing was written (the partition's work then ends). The writer
   * completes them in the order they were started; at most `writer.depth` are in flight.
   */
  private readonly writing: Array<Promise<boolean>> = [];

  /** Hands the partition's next write over; call only after `room` resolved true. */
  startWrite(write: Promise<boolean>): void {
    this.writing.push(write);
    void write.then(() => {
      const at = this.writing.indexOf(write);
      if (at >= 0) this.writing.splice(at, 1);
    });
  }

  /**
   * Waits until another write may start (fewer than the writer's depth in flight); false when a
   * write in flight wrote nothing (then nothing more is written).
   */
  async room(): Promise<boolean> {
    while (this.writing.length >= Math.max(1, this.writer.depth)) {
      if (!(await this.writing[0]!)) return false;
      // Its removal runs in a reaction queued before this one resumed.
    }
    return !this.lost;
  }

  /** Waits for every write in flight; false when one wrote nothing (then nothing more is written). */
  async settled(): Promise<boolean> {
    const results = await Promise.all([...this.writing]);
    return results.every(Boolean) && !this.lost;
  }

  constructor(
    readonly partition: TopicPartition,
    readonly writer: PartitionWriter,
    /** null for a stage without state. */
    readonly store: KeyedStateStore<S, L> | null,
    /** Records below this offset are already in the restored state (and their outputs produced). */
    restoredUpTo: number,
  ) {
    this.next = restoredUpTo;
    this.applied = restoredUpTo;
  }
}

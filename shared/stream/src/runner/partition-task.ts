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
   * The partition's write in flight, started by the last chunk processed and not awaited by its
   * batch (the next batch is processed meanwhile); true once durable, false when nothing was
   * written (the partition's work then ends). Writes of a partition never overlap: each waits
   * for this one (`settled`) before it starts.
   */
  private writing: Promise<boolean> | null = null;

  /** Hands the partition's next write over; call only after `settled` resolved true. */
  startWrite(write: Promise<boolean>): void {
    this.writing = write;
  }

  /** Waits for the write in flight; false when it wrote nothing (then nothing more is written). */
  async settled(): Promise<boolean> {
    const writing = this.writing;
    if (writing === null) return !this.lost;
    const written = await writing;
    if (this.writing === writing) this.writing = null;
    return written && !this.lost;
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

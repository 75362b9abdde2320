import type { TopicPartition } from '../bus.js';
import { Mutex } from '../mutex.js';
import type { KeyedStateStore } from '../state/store.js';
import type { PartitionWriter } from './delivery.js';

/** What the runner holds for one owned input partition. */
export class PartitionTask<S> {
  /** Batches and ticks of this partition run one at a time. */
  readonly lock = new Mutex();
  /** Set when the partition is revoked or fenced: nothing more is written for it. */
  lost = false;
  /** The offset after the last input record processed (or skipped as already in the state). */
  next: number;

  constructor(
    readonly partition: TopicPartition,
    readonly writer: PartitionWriter,
    /** null for a stage without state. */
    readonly store: KeyedStateStore<S> | null,
    /** Records below this offset are already in the restored state (and their outputs produced). */
    readonly skipBelow: number,
  ) {
    this.next = skipBelow;
  }
}

/**
 * What a stage is: a name, and a function from decoded input records (and its keyed state) to
 * output records. The runner does everything else: consuming, decoding, batching, producing,
 * committing, dead letters, state checkpoints, shutdown.
 */
import type { Logger } from 'pino';
import type { Headers, HeadersInit } from './bus.js';

export interface InputRecord<T> {
  topic: string;
  partition: number;
  offset: number;
  key: Buffer | null;
  value: T;
  headers: Headers;
  /** Epoch ms the record was produced at (CreateTime). */
  timestamp: number;
}

export interface OutputRecord<T> {
  topic: string;
  /** Keyed outputs land on murmur2(key) % partitions; null spreads them round robin. */
  key: string | Buffer | null;
  value: T;
  headers?: HeadersInit;
  timestamp?: number;
}

/**
 * The state of one input partition: string keys, values of the stage's state type.
 * `get` hands out a copy: a change is kept only by `set` (or `delete`). Changes become durable
 * with the batch's outputs and are rolled back with them. `entries` hands out the stored values
 * themselves (copying every value on every timer tick would be too slow): read them, and `get`
 * a key before changing it.
 */
export interface StateView<S> {
  get(key: string): S | undefined;
  has(key: string): boolean;
  set(key: string, value: S): void;
  delete(key: string): void;
  /** Every entry, for timers (e.g. closing sessions idle for too long). Read-only values. */
  entries(): IterableIterator<[string, Readonly<S>]>;
  readonly size: number;
}

/**
 * A partition's working object derived from its state (e.g. an event-time processor restored from
 * checkpointed entries), kept between calls so it is not rebuilt for every batch. It moves with
 * the state layer that took it: `get` hands it to the current call's layer, and it comes back to
 * the partition only when that layer's changes are committed. When a chunk fails, a record is
 * rolled back or a batch is not written, it is gone: the next `get` returns undefined and the
 * stage rebuilds it from `state`, which is then exactly the state before what was rolled back.
 * So in-memory work can never run ahead of the durable state, and nothing is applied twice.
 */
export interface LiveSlot<L> {
  get(): L | undefined;
  set(value: L): void;
}

export interface StageContext<S, L = never> {
  /** The input partition whose records (or timer) this call handles. */
  readonly topic: string;
  readonly partition: number;
  readonly state: StateView<S>;
  /** The partition's in-memory working object, rolled back with `state` (see LiveSlot). */
  readonly live: LiveSlot<L>;
  readonly log: Logger;
  /**
   * On timer calls: whether every record of this input partition that the broker holds now has
   * been processed (false when that cannot be told, e.g. the broker does not answer). Wall-clock
   * idleness alone cannot say that a partition's input has stopped: on a busy machine the next
   * batch of a partition with a backlog may take seconds to arrive.
   */
  caughtUp?(): Promise<boolean>;
}

export type StageOutputs<Out> = OutputRecord<Out>[] | Promise<OutputRecord<Out>[]>;

export interface Stage<In, Out, S = never, L = never> {
  readonly name: string;
  /**
   * Records of one partition, in offset order. Throwing rolls back the call's state (and live
   * object) and replays the records one by one from the state before the call: those that throw
   * alone go to the dead-letter topic. A transient error (a dependency down, see errors.ts) is
   * retried instead, with the same records, until it passes.
   */
  process(records: InputRecord<In>[], ctx: StageContext<S, L>): StageOutputs<Out>;
  /** Called every `tickIntervalMs` for each owned partition, for outputs driven by time. */
  onTick?(now: number, ctx: StageContext<S, L>): StageOutputs<Out>;
}

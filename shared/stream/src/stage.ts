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

export interface StageContext<S> {
  /** The input partition whose records (or timer) this call handles. */
  readonly topic: string;
  readonly partition: number;
  readonly state: StateView<S>;
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

export interface Stage<In, Out, S = never> {
  readonly name: string;
  /** Records of one partition, in offset order. Throwing sends them to the dead-letter topic, one by one. */
  process(records: InputRecord<In>[], ctx: StageContext<S>): StageOutputs<Out>;
  /** Called every `tickIntervalMs` for each owned partition, for outputs driven by time. */
  onTick?(now: number, ctx: StageContext<S>): StageOutputs<Out>;
}

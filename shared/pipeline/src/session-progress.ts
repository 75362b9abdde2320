/**
 * The sessionize stage's side of the log partitions' progress (see @weir/contracts'
 * session-progress.ts): after each batch of a log partition, the sessionizer's watermark of it to
 * every partition of `weir.sessions` (and the one before the batch ahead of the batch's sessions,
 * so a reader meets a progress record before the first session of a partition); when the
 * partition has been caught up with the broker and without input for `idleAfterMs`, that it is
 * quiet, so it does not hold the window stage's watermark back until its next input. A log
 * partition that is empty but not yet quiet holds it: its records may be on their way.
 *
 * A progress record is per customer (the window stage keeps event time per customer): one for
 * each customer this instance has read in the partition — a log topic may carry several, as the
 * peers bench's does — or, before any, the customer of a `weir.logs.<customer>` topic.
 */
import {
  SESSION_PROGRESS_HEADER,
  customerOfLogsTopic,
  sessionProgressHeader,
  sessionProgressValue,
  type SessionFeatures,
  type SessionProgress,
} from '@weir/contracts';
import { StreamError, type OutputRecord } from '@weir/stream';
import { broadcastKeys } from './window-partials.js';

export interface SessionProgressOptions {
  /** Partitions of `weir.sessions`: each gets every progress record. */
  sessionsPartitions: number;
  /** Partitions of a log topic (read once per topic). */
  logPartitions(topic: string): Promise<number>;
  /** A log partition caught up and without input this long (wall clock) is reported quiet. Default DEFAULT_PROGRESS_IDLE_AFTER_MS. */
  idleAfterMs?: number;
}

export const DEFAULT_PROGRESS_IDLE_AFTER_MS = 60_000;
/** How often a partition that may be quiet asks the broker whether it is caught up. */
const QUIET_ASK_EVERY_MS = 5_000;

interface PartitionCtx {
  topic: string;
  partition: number;
  caughtUp?(): Promise<boolean>;
}

export interface SessionProgressReporter {
  /** An event of `customer` read from the partition. */
  saw(ctx: PartitionCtx, customer: string): void;
  /** Reads the log topic's partition count, once; a broker that does not answer is waited out (transient). */
  prepare(logTopic: string): Promise<void>;
  beforeBatch(ctx: PartitionCtx, watermark: number): OutputRecord<SessionFeatures>[];
  afterBatch(ctx: PartitionCtx, watermark: number, reason: 'input' | 'idle'): OutputRecord<SessionFeatures>[];
  onTick(ctx: PartitionCtx, watermark: number, now: number): Promise<OutputRecord<SessionFeatures>[]>;
}

export function sessionProgress(options: SessionProgressOptions, topic: string): SessionProgressReporter {
  const keys = broadcastKeys(options.sessionsPartitions);
  const idleAfter = options.idleAfterMs ?? DEFAULT_PROGRESS_IDLE_AFTER_MS;
  const counts = new Map<string, number>();
  /** Per log partition read here: when its last input came (or this instance first saw it), and whether it was reported quiet since. */
  const partitions = new Map<string, { lastInput: number; quiet: boolean; lastAsk: number }>();
  /** Per log partition: the customers read from it (since this instance started). */
  const customers = new Map<string, Set<string>>();
  const idOf = (ctx: PartitionCtx) => `${ctx.topic}:${ctx.partition}`;

  function customersOf(ctx: PartitionCtx): Iterable<string> {
    const seen = customers.get(idOf(ctx));
    if (seen !== undefined && seen.size > 0) return seen;
    const customer = customerOfLogsTopic(ctx.topic);
    return customer === null ? [] : [customer];
  }

  function records(ctx: PartitionCtx, watermark: number, idle: boolean): OutputRecord<SessionFeatures>[] {
    const count = counts.get(ctx.topic);
    if (count === undefined) return [];
    const progress: SessionProgress = {
      topic: ctx.topic,
      partition: ctx.partition,
      partitions: count,
      watermark: Number.isFinite(watermark) ? watermark : null,
      idle,
    };
    const headers = { [SESSION_PROGRESS_HEADER]: sessionProgressHeader(progress) };
    const out: OutputRecord<SessionFeatures>[] = [];
    for (const customer of customersOf(ctx)) {
      const value = sessionProgressValue(customer, progress.watermark);
      for (const key of keys) out.push({ topic, key, value, headers });
    }
    return out;
  }

  /** The partition `saw` was last told of, and its customers: it is told of every event, in runs of one partition. */
  let last: { topic: string; partition: number; seen: Set<string> } | null = null;

  return {
    saw(ctx, customer) {
      if (last === null || last.partition !== ctx.partition || last.topic !== ctx.topic) {
        const id = idOf(ctx);
        let seen = customers.get(id);
        if (seen === undefined) customers.set(id, (seen = new Set()));
        last = { topic: ctx.topic, partition: ctx.partition, seen };
      }
      last.seen.add(customer);
    },
    async prepare(logTopic) {
      if (counts.has(logTopic)) return;
      let count: number;
      try {
        count = await options.logPartitions(logTopic);
      } catch (cause) {
        throw new StreamError('WEIR_DEPENDENCY_UNAVAILABLE', `cannot read the partition count of ${logTopic}: ${String(cause)}`, { cause });
      }
      counts.set(logTopic, count);
    },
    beforeBatch(ctx, watermark) {
      partitions.set(idOf(ctx), { lastInput: Date.now(), quiet: false, lastAsk: 0 });
      return records(ctx, watermark, false);
    },
    afterBatch(ctx, watermark, reason) {
      const idle = reason === 'idle';
      partitions.set(idOf(ctx), { lastInput: Date.now(), quiet: idle, lastAsk: 0 });
      return records(ctx, watermark, idle);
    },
    async onTick(ctx, watermark, now) {
      const id = idOf(ctx);
      const partition = partitions.get(id);
      if (partition === undefined) {
        // Owned but not read since this instance took it: quiet from now on, unless input comes.
        partitions.set(id, { lastInput: now, quiet: false, lastAsk: 0 });
        return [];
      }
      if (partition.quiet || now - partition.lastInput < idleAfter || now - partition.lastAsk < QUIET_ASK_EVERY_MS) return [];
      partition.lastAsk = now;
      // No input for a while is not the end of it: a busy consumer may not have fetched the backlog yet.
      if (!(await ctx.caughtUp?.())) return [];
      partition.quiet = true;
      return records(ctx, watermark, true);
    },
  };
}

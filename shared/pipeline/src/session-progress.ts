/**
 * The sessionize stage's side of the log partitions' progress (see @weir/contracts'
 * session-progress.ts): after each batch of a log partition, the sessionizer's watermark of it to
 * every partition of `weir.sessions` (and the one before the batch ahead of the batch's sessions,
 * so a reader meets a progress record before the first session of a partition); when the
 * partition has been caught up with the broker and without input for `idleAfterMs`, that it is
 * quiet, so it does not hold the window stage's watermark back until its next input. A log
 * partition that is empty but not yet quiet holds it: its records may be on their way.
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
  const idOf = (ctx: PartitionCtx) => `${ctx.topic}:${ctx.partition}`;

  function records(ctx: PartitionCtx, watermark: number, idle: boolean): OutputRecord<SessionFeatures>[] {
    const customer = customerOfLogsTopic(ctx.topic);
    const count = counts.get(ctx.topic);
    // Not a customer's log topic: its sessions' windows take their event time from the records.
    if (customer === null || count === undefined) return [];
    const progress: SessionProgress = {
      topic: ctx.topic,
      partition: ctx.partition,
      partitions: count,
      watermark: Number.isFinite(watermark) ? watermark : null,
      idle,
    };
    const headers = { [SESSION_PROGRESS_HEADER]: sessionProgressHeader(progress) };
    const value = sessionProgressValue(customer, progress.watermark);
    return keys.map((key) => ({ topic, key, value, headers }));
  }

  return {
    async prepare(logTopic) {
      if (counts.has(logTopic) || customerOfLogsTopic(logTopic) === null) return;
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

import { WINDOW_PARTIALS_TOPIC, WINDOWS_TOPIC, sessionProgressOf, type SessionFeatures, type WindowPartial, type WindowSummary } from '@weir/contracts';
import {
  type WindowBaseline,
  type LateSessionRecord,
  type WindowBaselineConfig,
  type WindowBaselineSnapshot,
  type WindowOutput,
} from '@weir/features';
import type { OutputRecord, Stage, StageContext } from '@weir/stream';
import { checkpointedStage } from './checkpointed-stage.js';
import type { CheckpointEntry, Held } from './partition-checkpoint.js';
import { windowCheckpointParts, type WindowPart } from './window-checkpoint.js';
import { windowMergeStage, type MergeEntry } from './window-merge.js';
import { broadcastKeys, broadcastProgress, pieceRecord, progressRecord } from './window-partials.js';

/** A partition of `weir.sessions`: its checkpointed baseline. A partition of `weir.window-partials`: its merge state. */
export type WindowState = CheckpointEntry<WindowBaselineSnapshot, WindowPart> | MergeEntry;
type PartialState = CheckpointEntry<WindowBaselineSnapshot, WindowPart>;

export interface WindowStageOptions {
  window?: WindowBaselineConfig;
  /** Output topic of the merged baselines, `weir.windows` by default. */
  topic?: string;
  /** The partials topic, written by the first phase and read by the second; `weir.window-partials` by default. */
  partialsTopic?: string;
  /** Partitions of `weir.sessions` (every one must report before a window is final); default 6. */
  sessionPartitions?: number;
  /** Partitions of the partials topic (each gets every progress record); default 6. */
  partialsPartitions?: number;
  /** Closes every open window of a partition idle this long (wall clock); 0 turns it off. Default 0. */
  closeIdleAfterMs?: number;
  onLate?: (late: readonly LateSessionRecord[], ctx: { topic: string; partition: number }) => void;
  /**
   * How far behind the broker's newest record a caught-up partition's progress is reported (what
   * may still be in flight, and producers' clocks). Default DEFAULT_CAUGHT_UP_SLACK_MS.
   */
  caughtUpSlackMs?: number;
  /** Told of a partition's piece that reached the merge after its window was published closed. */
  onLatePiece?: (piece: WindowPartial) => void;
}

/** Window summaries are keyed by customer and window, so a compacted topic keeps each window's last summary. */
export function windowKey(summary: WindowSummary): string {
  return `${summary.customer}|${summary.windowStart}`;
}

type In = SessionFeatures | WindowPartial;

export const DEFAULT_CAUGHT_UP_SLACK_MS = 30_000;
/** How often a quiet partition's progress is reported (each report asks the broker). */
const QUIET_REPORT_EVERY_MS = 5_000;
type Out = WindowPartial | WindowSummary;

/**
 * The window stage, in two phases in one consumer group. Partitions of `weir.sessions` (keyed by
 * session): each aggregates its sessions into pieces of its customers' windows, checkpointed,
 * out to `weir.window-partials` keyed by customer, with its progress to every partials partition
 * after each batch. Partitions of `weir.window-partials`: each merges the pieces of the customers
 * keyed to it into the exact baseline (window-merge.ts), out to `weir.windows` on update and on
 * close. Any instance may own any partition of either topic: one instance computes what three do.
 */
export function windowStage(options: WindowStageOptions = {}): Stage<In, Out, WindowState, Held<WindowBaseline>> {
  const topic = options.topic ?? WINDOWS_TOPIC;
  const partialsTopic = options.partialsTopic ?? WINDOW_PARTIALS_TOPIC;
  const partitions = options.sessionPartitions ?? 6;
  const keys = broadcastKeys(options.partialsPartitions ?? 6);
  const slack = options.caughtUpSlackMs ?? DEFAULT_CAUGHT_UP_SLACK_MS;
  /** Per sessions partition: the newest Kafka timestamp read, and when a quiet one last reported. */
  const readThrough = new Map<number, number>();
  const lastTickReport = new Map<number, number>();
  /** Partitions closed idle (progress null) and not read from since: nothing to add until their next input. */
  const closedIdle = new Set<number>();
  /** The timestamp of the record being pushed; null while flushing. */
  let pushing: number | null = null;

  // Sent after every batch, moved or not: a batch rolled back and replayed must send it again.
  const progress = (partition: number, at: number | null): OutputRecord<WindowPartial>[] =>
    broadcastProgress(partialsTopic, keys, progressRecord(partition, partitions, at));

  const partial = checkpointedStage<SessionFeatures, WindowPartial, WindowBaseline, WindowBaselineSnapshot, WindowPart, WindowOutput>({
    name: 'window',
    parts: windowCheckpointParts(options.window ?? {}),
    push: (baseline, session, record) => {
      pushing = record.timestamp;
      closedIdle.delete(record.partition);
      readThrough.set(record.partition, Math.max(readThrough.get(record.partition) ?? Number.NEGATIVE_INFINITY, record.timestamp));
      // A log partition's progress (see session-progress.ts): the customer's event time is the
      // minimum over its log partitions, so a partition read far behind the others is not late.
      const progress = sessionProgressOf(record.headers);
      if (progress) return baseline.advanceSource(session.customer, progress.topic, String(progress.partition), progress.partitions, progress.watermark, progress.idle);
      return baseline.push(session);
    },
    flush: (baseline) => {
      pushing = null;
      return baseline.flush();
    },
    toOutputs: (output, ctx) => {
      if (output.late.length > 0) options.onLate?.(output.late, { topic: ctx.topic, partition: ctx.partition });
      if (output.partials.length === 0) return [];
      const at = pushing ?? readThrough.get(ctx.partition) ?? Date.now();
      return output.partials.map((piece) => ({ topic: partialsTopic, key: piece.customer, value: pieceRecord(piece, ctx.partition, partitions, at) }));
    },
    // After each batch how far the partition has been read; after an idle close, that everything
    // it held is final (null) until its next input.
    afterBatch: (_baseline, ctx, reason) => {
      if (reason === 'idle') closedIdle.add(ctx.partition);
      return progress(ctx.partition, reason === 'idle' ? null : (readThrough.get(ctx.partition) ?? null));
    },
    closeIdleAfterMs: options.closeIdleAfterMs ?? 0,
  });
  const merge = windowMergeStage({
    topic,
    ...(options.window?.quantiles ? { quantiles: options.window.quantiles } : {}),
    ...(options.onLatePiece ? { onLatePiece: options.onLatePiece } : {}),
  });

  /**
   * A partition caught up with the broker has read every record stamped more than the slack ago
   * (records in flight, producers' clocks): said now and then, so a quiet or empty partition does
   * not hold every merge back.
   */
  async function quietProgress(now: number, ctx: StageContext<PartialState, Held<WindowBaseline>>): Promise<OutputRecord<WindowPartial>[]> {
    if (closedIdle.has(ctx.partition)) return [];
    if (now - (lastTickReport.get(ctx.partition) ?? Number.NEGATIVE_INFINITY) < QUIET_REPORT_EVERY_MS) return [];
    lastTickReport.set(ctx.partition, now);
    if (!(await ctx.caughtUp?.())) return [];
    const at = Math.max(readThrough.get(ctx.partition) ?? Number.NEGATIVE_INFINITY, now - slack);
    readThrough.set(ctx.partition, at);
    return progress(ctx.partition, at);
  }

  // The runner keeps state per input partition of either topic; each phase sees only its own kind.
  const asPartial = (ctx: StageContext<WindowState, Held<WindowBaseline>>) => ctx as StageContext<PartialState, Held<WindowBaseline>>;
  const asMerge = (ctx: StageContext<WindowState, Held<WindowBaseline>>) => ctx as unknown as StageContext<MergeEntry>;
  return {
    name: 'window',
    process(records, ctx) {
      if (ctx.topic === partialsTopic) return merge.process(records as Parameters<typeof merge.process>[0], asMerge(ctx));
      return partial.process(records as Parameters<typeof partial.process>[0], asPartial(ctx));
    },
    async onTick(now, ctx) {
      if (ctx.topic === partialsTopic) return [];
      const idle = (await partial.onTick?.(now, asPartial(ctx))) ?? [];
      return idle.length > 0 ? idle : quietProgress(now, asPartial(ctx));
    },
  };
}

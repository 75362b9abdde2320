import type { InputRecord, OutputRecord, Stage } from '@weir/stream';
import { PartitionCheckpoints, type CheckpointContext, type CheckpointEntry, type Held, type SnapshotParts } from './partition-checkpoint.js';

export interface CheckpointedStageOptions<In, Out, P, Snap, Part, Result> {
  name: string;
  parts: SnapshotParts<P, Snap, Part>;
  /** One input through the processor (`record`: the input as read, for its timestamp). */
  push(processor: P, input: In, record: InputRecord<In>): Result;
  /** Everything the processor still holds, as at the end of a file. */
  flush(processor: P): Result;
  toOutputs(result: Result, ctx: CheckpointContext<P, Snap, Part>): OutputRecord<Out>[];
  /**
   * Flushes a partition that has had no input for this long (wall clock), and has been seen caught
   * up with the broker for at least the last half of it, as the end of a file does offline: without it, a customer whose traffic stops
   * would never see its last sessions or windows closed. 0 turns it off.
   */
  closeIdleAfterMs?: number;
  /** Outputs after a batch of input, or after an idle flush (e.g. how far the partition has read). */
  afterBatch?(processor: P, ctx: CheckpointContext<P, Snap, Part>, reason: 'input' | 'idle'): OutputRecord<Out>[];
  /** Outputs ahead of a batch's own (e.g. how far the partition had read before it). */
  beforeBatch?(processor: P, ctx: CheckpointContext<P, Snap, Part>): OutputRecord<Out>[];
  /** Outputs of a timer call that closed nothing idle (the processor is read, not changed: nothing is checkpointed). */
  onTick?(processor: P, now: number, ctx: CheckpointContext<P, Snap, Part>): OutputRecord<Out>[] | Promise<OutputRecord<Out>[]>;
}

/**
 * A stage around a stateful event-time processor (Sessionizer, WindowBaseline): one processor per
 * input partition (the runner's live object, so a rolled-back chunk rolls it back too),
 * checkpointed after every batch, and an optional flush of idle partitions.
 */
export function checkpointedStage<In, Out, P, Snap, Part, Result>(
  options: CheckpointedStageOptions<In, Out, P, Snap, Part, Result>,
): Stage<In, Out, CheckpointEntry<Snap, Part>, Held<P>> {
  const checkpoints = new PartitionCheckpoints(options.parts);
  /** Per partition with unflushed input: since when it has been seen caught up, with no input since. */
  const idle = new Map<string, { lastInput: number; caughtUpSince: number | null }>();
  return {
    name: options.name,
    process(records, ctx) {
      idle.set(`${ctx.topic}:${ctx.partition}`, { lastInput: Date.now(), caughtUpSince: null });
      const processor = checkpoints.processorFor(ctx);
      const outputs: OutputRecord<Out>[] = options.beforeBatch && records.length > 0 ? options.beforeBatch(processor, ctx) : [];
      for (const record of records) outputs.push(...options.toOutputs(options.push(processor, record.value, record), ctx));
      if (records.length > 0) checkpoints.checkpoint(ctx);
      if (options.afterBatch && records.length > 0) outputs.push(...options.afterBatch(processor, ctx, 'input'));
      return outputs;
    },
    async onTick(now, ctx) {
      const closed = await closeIdle(now, ctx);
      if (closed.length > 0 || !options.onTick) return closed;
      return options.onTick(checkpoints.processorFor(ctx), now, ctx);
    },
  };

  async function closeIdle(now: number, ctx: CheckpointContext<P, Snap, Part>): Promise<OutputRecord<Out>[]> {
    const idleAfter = options.closeIdleAfterMs ?? 0;
    if (idleAfter <= 0) return [];
    const id = `${ctx.topic}:${ctx.partition}`;
    const partition = idle.get(id);
    if (partition === undefined) {
      // Owned but quiet since this instance took it (a restart, a rebalance): idle from now, so
      // the open state it restored closes too instead of waiting for input that may never come.
      idle.set(id, { lastInput: now, caughtUpSince: null });
      return [];
    }
    // Watched from half the idle time on (asking the broker costs a request).
    if (now - partition.lastInput < idleAfter / 2) return [];
    // No batch for a while is not the end of the input: a busy consumer may not have fetched
    // the partition's backlog yet, or the broker may be down. The partition must also have been
    // seen caught up with the broker, without a break, for half the idle time: closing earlier
    // would cut sessions (or windows) in two.
    if (!(await ctx.caughtUp?.())) {
      partition.caughtUpSince = null;
      return [];
    }
    partition.caughtUpSince ??= now;
    if (now - partition.lastInput < idleAfter || now - partition.caughtUpSince < idleAfter / 2) return [];
    // Closed until the next input: no flush (and no checkpoint) on every tick after this one.
    partition.lastInput = Number.POSITIVE_INFINITY;
    const processor = checkpoints.processorFor(ctx);
    const outputs = options.toOutputs(options.flush(processor), ctx);
    checkpoints.checkpoint(ctx);
    if (options.afterBatch) outputs.push(...options.afterBatch(processor, ctx, 'idle'));
    return outputs;
  }
}

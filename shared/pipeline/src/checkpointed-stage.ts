import type { OutputRecord, Stage, StageContext } from '@weir/stream';
import { PartitionCheckpoints, type CheckpointEntry, type SnapshotParts } from './partition-checkpoint.js';

export interface CheckpointedStageOptions<In, Out, P, Snap, Part, Result> {
  name: string;
  parts: SnapshotParts<P, Snap, Part>;
  /** One input through the processor. */
  push(processor: P, input: In): Result;
  /** Everything the processor still holds, as at the end of a file. */
  flush(processor: P): Result;
  toOutputs(result: Result, ctx: StageContext<CheckpointEntry<Snap, Part>>): OutputRecord<Out>[];
  /**
   * Flushes a partition that has had no input for this long (wall clock), as the end of a file
   * does offline: without it, a customer whose traffic stops would never see its last sessions
   * or windows closed. 0 turns it off.
   */
  closeIdleAfterMs?: number;
}

/**
 * A stage around a stateful event-time processor (Sessionizer, WindowBaseline): one processor per
 * input partition, checkpointed after every batch, and an optional flush of idle partitions.
 */
/** Least quiet time of a partition an instance has just taken, before its restored state closes. */
const TAKEOVER_GRACE_MS = 30_000;

export function checkpointedStage<In, Out, P, Snap, Part, Result>(
  options: CheckpointedStageOptions<In, Out, P, Snap, Part, Result>,
): Stage<In, Out, CheckpointEntry<Snap, Part>> {
  const checkpoints = new PartitionCheckpoints(options.parts);
  const lastInput = new Map<string, number>();
  return {
    name: options.name,
    process(records, ctx) {
      lastInput.set(`${ctx.topic}:${ctx.partition}`, Date.now());
      const processor = checkpoints.processorFor(ctx);
      const outputs: OutputRecord<Out>[] = [];
      for (const record of records) outputs.push(...options.toOutputs(options.push(processor, record.value), ctx));
      if (records.length > 0) checkpoints.checkpoint(ctx);
      return outputs;
    },
    onTick(now, ctx) {
      const idleAfter = options.closeIdleAfterMs ?? 0;
      if (idleAfter <= 0) return [];
      const id = `${ctx.topic}:${ctx.partition}`;
      const last = lastInput.get(id);
      if (last === undefined) {
        // Owned but quiet since this instance took it (a restart, a rebalance): the open state it
        // restored closes too instead of waiting for input that may never come — after a grace
        // long enough for a backlog to arrive first (a close before it would split sessions).
        // Grace plus the idle time: stages keep the order of their idle times (sessionize closes
        // its sessions before window closes the windows they fall in).
        lastInput.set(id, now + TAKEOVER_GRACE_MS);
        return [];
      }
      if (now - last < idleAfter) return [];
      // Closed until the next input: no flush (and no checkpoint) on every tick after this one.
      lastInput.set(id, Number.POSITIVE_INFINITY);
      const outputs = options.toOutputs(options.flush(checkpoints.processorFor(ctx)), ctx);
      checkpoints.checkpoint(ctx);
      return outputs;
    },
  };
}

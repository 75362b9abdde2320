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
      const id = `${ctx.topic}:${ctx.partition}`;
      const last = lastInput.get(id);
      if (idleAfter <= 0 || last === undefined || now - last < idleAfter) return [];
      lastInput.delete(id);
      const outputs = options.toOutputs(options.flush(checkpoints.processorFor(ctx)), ctx);
      checkpoints.checkpoint(ctx);
      return outputs;
    },
  };
}

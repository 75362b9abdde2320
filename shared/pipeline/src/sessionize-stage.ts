import { SESSIONS_TOPIC, type RequestEvent, type SessionFeatures } from '@weir/contracts';
import {
  Sessionizer,
  type LateEvent,
  type SessionizerConfig,
  type SessionizerOutput,
  type SessionizerSnapshot,
  type SessionSnapshot,
} from '@weir/features';
import type { OutputRecord, Stage, StageContext } from '@weir/stream';
import { PartitionCheckpoints, type CheckpointEntry, type SnapshotParts } from './partition-checkpoint.js';

export type SessionizeState = CheckpointEntry<SessionizerSnapshot, SessionSnapshot>;

export interface SessionizeStageOptions {
  sessionizer?: SessionizerConfig;
  /** Output topic, `weir.sessions` by default. */
  topic?: string;
  /**
   * Closes every open session of a partition that has had no input for this long (wall clock),
   * as the end of a file does offline: without it, a customer whose traffic stops would never see
   * its last sessions closed. 0 turns it off. Default 0.
   */
  closeIdleAfterMs?: number;
  /** Told about every event that arrived too late to be placed, so it is counted, never lost silently. */
  onLate?: (late: readonly LateEvent[], ctx: { topic: string; partition: number }) => void;
}

function sessionizerParts(config: SessionizerConfig): SnapshotParts<Sessionizer, SessionizerSnapshot, SessionSnapshot> {
  return {
    create: () => new Sessionizer(config),
    snapshot: (sessionizer) => sessionizer.snapshot(),
    restore: (snapshot) => Sessionizer.restore(snapshot, config),
    split: ({ sessions, ...meta }) => ({
      meta: { ...meta, sessions: [] },
      parts: sessions.map((s) => [`${s.customer}\u0000${s.key}`, s]),
    }),
    // Sessions are restored in creation order: it decides the order timers fire in.
    join: (meta, parts) => ({ ...meta, sessions: [...parts].sort((a, b) => a.seq - b.seq) }),
  };
}

/**
 * The sessionize stage: request events of `weir.logs.<customer>` in, session feature records out
 * to `weir.sessions`, keyed by customer so that each customer's sessions stay in order for the
 * window stage. The feature code is the same Sessionizer the offline `weir features` runs.
 */
export function sessionizeStage(options: SessionizeStageOptions = {}): Stage<RequestEvent, SessionFeatures, SessionizeState> {
  const topic = options.topic ?? SESSIONS_TOPIC;
  const checkpoints = new PartitionCheckpoints(sessionizerParts(options.sessionizer ?? {}));
  const lastInput = new Map<string, number>();
  const toOutputs = (output: SessionizerOutput, ctx: StageContext<SessionizeState>): OutputRecord<SessionFeatures>[] => {
    if (output.late.length > 0) options.onLate?.(output.late, ctx);
    return output.records.map((record) => ({ topic, key: record.customer, value: record }));
  };

  return {
    name: 'sessionize',
    process(records, ctx) {
      lastInput.set(`${ctx.topic}:${ctx.partition}`, Date.now());
      const { processor, fresh } = checkpoints.acquire(records, ctx);
      const outputs: OutputRecord<SessionFeatures>[] = [];
      for (const record of fresh) outputs.push(...toOutputs(processor.push(record.value), ctx));
      if (fresh.length > 0) checkpoints.checkpoint(ctx, fresh[fresh.length - 1]!.offset);
      return outputs;
    },
    onTick(now, ctx) {
      const idleAfter = options.closeIdleAfterMs ?? 0;
      const id = `${ctx.topic}:${ctx.partition}`;
      const last = lastInput.get(id);
      if (idleAfter <= 0 || last === undefined || now - last < idleAfter) return [];
      lastInput.delete(id);
      const sessionizer = checkpoints.processorFor(ctx);
      if (sessionizer.stats().openSessions === 0 && sessionizer.stats().bufferedEvents === 0) return [];
      const outputs = toOutputs(sessionizer.flush(), ctx);
      checkpoints.checkpoint(ctx);
      return outputs;
    },
  };
}

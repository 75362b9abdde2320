import { SESSIONS_TOPIC, type RequestEvent, type SessionFeatures } from '@weir/contracts';
import {
  Sessionizer,
  type LateEvent,
  type SessionizerConfig,
  type SessionizerOutput,
  type SessionizerSnapshot,
  type SessionSnapshot,
} from '@weir/features';
import type { OutputRecord, Stage } from '@weir/stream';
import { checkpointedStage } from './checkpointed-stage.js';
import type { CheckpointEntry, Held, SnapshotParts } from './partition-checkpoint.js';

export type SessionizeState = CheckpointEntry<SessionizerSnapshot, SessionSnapshot>;

export interface SessionizeStageOptions {
  sessionizer?: SessionizerConfig;
  /** Output topic, `weir.sessions` by default. */
  topic?: string;
  /** Closes every open session of a partition idle this long (wall clock); 0 (default) turns it off. */
  closeIdleAfterMs?: number;
  /** Told about every event that arrived too late to be placed, so it is counted, never lost silently. */
  onLate?: (late: readonly LateEvent[], ctx: { topic: string; partition: number }) => void;
  /** Told about every session closed early at the open-session cap (`sessionizer.maxOpenSessions`). */
  onForceClosed?: (sessions: readonly SessionFeatures[], ctx: { topic: string; partition: number }) => void;
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
 * to `weir.sessions`, keyed by session: a session's records stay in order on one partition, and a
 * customer's sessions spread over every partition, so window and score scale within a customer
 * (the window stage merges the partitions' pieces of each customer's baseline). The feature code
 * is the same Sessionizer the offline `weir features` runs.
 */
export function sessionizeStage(options: SessionizeStageOptions = {}): Stage<RequestEvent, SessionFeatures, SessionizeState, Held<Sessionizer>> {
  const topic = options.topic ?? SESSIONS_TOPIC;
  return checkpointedStage({
    name: 'sessionize',
    parts: sessionizerParts(options.sessionizer ?? {}),
    push: (sessionizer: Sessionizer, event: RequestEvent) => sessionizer.push(event),
    flush: (sessionizer) => sessionizer.flush(),
    toOutputs: (output: SessionizerOutput, ctx): OutputRecord<SessionFeatures>[] => {
      if (output.late.length > 0) options.onLate?.(output.late, { topic: ctx.topic, partition: ctx.partition });
      const forced = output.records.filter((r) => r.closeReason === 'max_open_sessions');
      if (forced.length > 0) options.onForceClosed?.(forced, ctx);
      return output.records.map((record) => ({ topic, key: record.sessionId, value: record }));
    },
    closeIdleAfterMs: options.closeIdleAfterMs ?? 0,
  });
}

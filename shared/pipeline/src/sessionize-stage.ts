import { SESSIONS_TOPIC, type RequestEvent, type SessionFeatures } from '@weir/contracts';
import { sessionProgress, type SessionProgressOptions } from './session-progress.js';
import {
  BUFFER_CHUNK,
  Sessionizer,
  type BufferChunk,
  type BufferSpan,
  type ClosedEarly,
  type LateEvent,
  type SessionizerConfig,
  type SessionizerOutput,
  type SessionizerSnapshot,
  type SessionSnapshot,
} from '@weir/features';
import type { OutputRecord, Stage } from '@weir/stream';
import { checkpointedStage } from './checkpointed-stage.js';
import type { CheckpointEntry, Held, SnapshotParts } from './partition-checkpoint.js';

/** A session closed early, remembered for the id of a later one of its key (see Sessionizer's `closedEarly`). */
export interface ClosedEarlyPart {
  early: ClosedEarly;
}

/**
 * A part of the sessionizer's checkpoint: one open session (key `<customer> NUL <session key>`),
 * one span of the reorder buffer (`NUL s <span>`: the events one batch buffered), one chunk of it
 * (`NUL <chunk>`: as a full snapshot is split, and as checkpoints were written before spans) or
 * one session closed early (`NUL e <its plain id>`).
 */
export type SessionizerPart = SessionSnapshot | BufferSpan | BufferChunk | ClosedEarlyPart;

export type SessionizeState = CheckpointEntry<SessionizerSnapshot, SessionizerPart>;

const isChunk = (part: SessionizerPart): part is BufferChunk => 'chunk' in part;
const isSpan = (part: SessionizerPart): part is BufferSpan => 'span' in part;
const isClosedEarly = (part: SessionizerPart): part is ClosedEarlyPart => 'early' in part;
const isSession = (part: SessionizerPart): part is SessionSnapshot => !isChunk(part) && !isSpan(part) && !isClosedEarly(part);
const sessionPartKey = (customer: string, key: string) => `${customer}\u0000${key}`;
/** A customer is never empty (the sessionizer refuses such events), so these never meet a session's key. */
const bufferPartKey = (chunk: number) => `\u0000${chunk}`;
const spanPartKey = (span: number) => `\u0000s${span}`;
const closedEarlyPartKey = (plainId: string) => `\u0000e${plainId}`;

function bufferChunks(buffer: SessionizerSnapshot['buffer']): BufferChunk[] {
  const chunks = new Map<number, BufferChunk>();
  for (const item of buffer) {
    const chunk = Math.floor(item.seq / BUFFER_CHUNK);
    let part = chunks.get(chunk);
    if (part === undefined) chunks.set(chunk, (part = { chunk, events: [] }));
    part.events.push(item);
  }
  return [...chunks.values()];
}

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
  /**
   * Tell the window stage each log partition's progress (session-progress.ts): progress records
   * to every partition of the output topic. Off when absent (runSessionize always sets it).
   */
  progress?: SessionProgressOptions;
}

/**
 * The sessionizer's checkpoint as one meta entry and one part per open session and per buffered
 * event, written incrementally: a batch rewrites the sessions it touched and the events it
 * buffered or released (in chunks), not every open session and the whole reorder buffer (at a
 * live rate the buffer holds the allowed lateness's worth of events: at 20k events/s, more than
 * Kafka's 1 MB message limit within a second of lateness). Checkpoints written with the buffer in
 * the meta entry (before this layout) restore too.
 */
function sessionizerParts(config: SessionizerConfig): SnapshotParts<Sessionizer, SessionizerSnapshot, SessionizerPart> {
  return {
    create: () => new Sessionizer(config),
    snapshot: (sessionizer) => sessionizer.snapshot(),
    restore: (snapshot) => Sessionizer.restore(snapshot, config),
    split: ({ sessions, buffer, closedEarly, ...meta }) => ({
      meta: { ...meta, buffer: [], sessions: [] },
      parts: [
        ...sessions.map((s): [string, SessionizerPart] => [sessionPartKey(s.customer, s.key), s]),
        ...bufferChunks(buffer).map((c): [string, SessionizerPart] => [bufferPartKey(c.chunk), c]),
        ...(closedEarly ?? []).map((early): [string, SessionizerPart] => [closedEarlyPartKey(early[0]), { early }]),
      ],
    }),
    join: (meta, parts) => {
      const closedEarly = [...(meta.closedEarly ?? []), ...parts.filter(isClosedEarly).map((p) => p.early)];
      return {
        ...meta,
        buffer: [
          ...meta.buffer,
          ...parts.filter(isChunk).flatMap((c) => c.events),
          // The restore skips the events a span still lists that had left the buffer (`releasedThrough`).
          ...parts.filter(isSpan).flatMap(({ span, events }) => events.map(({ seq, event }) => ({ seq, event, span }))),
        ],
        // Sessions are restored in creation order: it decides the order timers fire in.
        sessions: parts.filter(isSession).sort((a, b) => a.seq - b.seq),
        ...(closedEarly.length > 0 ? { closedEarly } : {}),
      };
    },
    incremental: {
      // A checkpoint of an older layout kept the buffer in its meta entry or in chunks: from now on it is in spans.
      track: (sessionizer, restoredFrom) => sessionizer.trackChanges({ rewriteClosedEarly: (restoredFrom?.closedEarly?.length ?? 0) > 0 }),
      changes: (sessionizer) => {
        const changes = sessionizer.takeChanges();
        return {
          meta: changes.meta,
          parts: [
            ...changes.sessions.map((s): [string, SessionizerPart] => [sessionPartKey(s.customer, s.key), s]),
            ...changes.bufferSpans.map((c): [string, SessionizerPart] => [spanPartKey(c.span), c]),
            ...changes.closedEarly.flatMap(([id, early]): Array<[string, SessionizerPart]> => (early === null ? [] : [[closedEarlyPartKey(id), { early }]])),
          ],
          removed: [
            ...changes.closed.map((c) => sessionPartKey(c.customer, c.key)),
            ...changes.removedSpans.map(spanPartKey),
            ...changes.removedChunks.map(bufferPartKey),
            ...changes.closedEarly.filter(([, early]) => early === null).map(([id]) => closedEarlyPartKey(id)),
          ],
        };
      },
    },
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
  const progress = options.progress ? sessionProgress(options.progress, topic) : null;
  const stage = checkpointedStage({
    name: 'sessionize',
    parts: sessionizerParts(options.sessionizer ?? {}),
    push: (sessionizer: Sessionizer, event: RequestEvent, record) => {
      progress?.saw(record, event.customer);
      return sessionizer.push(event);
    },
    flush: (sessionizer) => sessionizer.flush(),
    toOutputs: (output: SessionizerOutput, ctx): OutputRecord<SessionFeatures>[] => {
      if (output.late.length > 0) options.onLate?.(output.late, { topic: ctx.topic, partition: ctx.partition });
      const forced = output.records.filter((r) => r.closeReason === 'max_open_sessions');
      if (forced.length > 0) options.onForceClosed?.(forced, ctx);
      return output.records.map((record) => ({ topic, key: record.sessionId, value: record }));
    },
    closeIdleAfterMs: options.closeIdleAfterMs ?? 0,
    ...(progress
      ? {
          beforeBatch: (sessionizer: Sessionizer, ctx: { topic: string; partition: number }) => progress.beforeBatch(ctx, sessionizer.watermark),
          afterBatch: (sessionizer: Sessionizer, ctx: { topic: string; partition: number }, reason: 'input' | 'idle') => progress.afterBatch(ctx, sessionizer.watermark, reason),
          onTick: (sessionizer: Sessionizer, now: number, ctx: { topic: string; partition: number; caughtUp?(): Promise<boolean> }) => progress.onTick(ctx, sessionizer.watermark, now),
        }
      : {}),
  });
  if (!progress) return stage;
  return {
    ...stage,
    // The log topic's partition count is read before its first batch (the progress records carry it).
    async process(records, ctx) {
      await progress.prepare(ctx.topic);
      return stage.process(records, ctx);
    },
    async onTick(now, ctx) {
      await progress.prepare(ctx.topic);
      return (await stage.onTick?.(now, ctx)) ?? [];
    },
  };
}

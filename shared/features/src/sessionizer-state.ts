/**
 * The sessionizer's checkpoint: a JSON-safe plain object (and its Buffer form) that the stream
 * runtime writes to a changelog and reads back on restart. It holds the reorder buffer, every
 * open session (accumulator, timer, emission bookkeeping) and the sequence counters that make
 * processing order deterministic.
 */
import type { RequestEvent } from '@weir/contracts';
import type { AccumulatorSnapshot } from './accumulator-state.js';
import { FeatureError } from './errors.js';
import { featureSetFingerprint } from './registry.js';

export const SESSIONIZER_SNAPSHOT_VERSION = 1;

export interface SessionSnapshot {
  seq: number;
  customer: string;
  key: string;
  id: string;
  clientIp: string;
  userAgent: string | null;
  /** Only when it differs from `userAgent`. */
  previousUserAgent?: string | null;
  /** The timer key (may be earlier than the real due time: see sessionizer.ts). */
  timer: number;
  pending: number;
  dirtySince: number;
  acc: AccumulatorSnapshot;
  /** Only when above 0: sessions of its key with the same first time closed before it (its id tells it from them). */
  repeat?: number;
}

/**
 * Sessions closed before the watermark passed their first event (an idle flush, the open-session
 * cap): the plain id of their customer, key and first time, that first time, and how many such
 * sessions there were. A checkpointing stage writes each as a part of its own.
 */
export type ClosedEarly = [plainId: string, firstTime: number, sessions: number];

export interface SessionizerSnapshot {
  version: number;
  /** Feature set of the code that wrote it: accumulators from other feature code are refused. */
  featureSet: string;
  /** Newest event time seen, null before the first. */
  maxTime: number | null;
  nextSessionSeq: number;
  nextArrivalSeq: number;
  /** `sessionsForceClosed` is absent from snapshots taken before the open-session cap existed. */
  counters: { events: number; lateEvents: number; sessionsOpened: number; sessionsClosed: number; updates: number; sessionsForceClosed?: number };
  /**
   * Buffered events in processing order, each with its arrival sequence number, and the span it
   * was read from when restored from incremental checkpoints (see BufferSpan).
   */
  buffer: Array<{ seq: number; event: RequestEvent; span?: number }>;
  /**
   * The watermark when it was taken: every event at or before it has left the reorder buffer.
   * `buffer` may still list some (a checkpoint's buffer chunks are not rewritten as they drain,
   * only deleted once empty); restoring skips them. Absent before the first event, and in
   * snapshots taken before it existed (whose buffer lists only buffered events).
   */
  releasedThrough?: number;
  sessions: SessionSnapshot[];
  /** Absent when none (and in snapshots taken before it existed). */
  closedEarly?: ClosedEarly[];
}

function fail(message: string): never {
  throw new FeatureError('WEIR_FEATURES_SNAPSHOT', `sessionizer snapshot: ${message}`);
}

/** Throws WEIR_FEATURES_SNAPSHOT unless `value` is a snapshot this code can continue from. */
export function checkSessionizerSnapshot(value: unknown): asserts value is SessionizerSnapshot {
  if (typeof value !== 'object' || value === null) fail('not an object');
  const snap = value as Partial<SessionizerSnapshot>;
  if (snap.version !== SESSIONIZER_SNAPSHOT_VERSION) fail(`version ${String(snap.version)}, expected ${SESSIONIZER_SNAPSHOT_VERSION}`);
  if (snap.featureSet !== featureSetFingerprint) {
    fail(`written by feature set ${String(snap.featureSet)}, this code is ${featureSetFingerprint}`);
  }
  if (snap.maxTime !== null && typeof snap.maxTime !== 'number') fail('maxTime must be a number or null');
  if (typeof snap.nextSessionSeq !== 'number' || typeof snap.nextArrivalSeq !== 'number') fail('sequence counters missing');
  if (typeof snap.counters !== 'object' || snap.counters === null) fail('counters missing');
  if (!Array.isArray(snap.buffer) || !Array.isArray(snap.sessions)) fail('buffer and sessions must be arrays');
  for (const item of snap.buffer) {
    if (typeof item?.seq !== 'number' || typeof item.event?.eventTime !== 'number' || (item.span !== undefined && typeof item.span !== 'number')) {
      fail('malformed buffered event');
    }
  }
  if (snap.releasedThrough !== undefined && typeof snap.releasedThrough !== 'number') fail('releasedThrough must be a number');
  if (snap.closedEarly !== undefined) {
    if (!Array.isArray(snap.closedEarly)) fail('closedEarly must be an array');
    for (const item of snap.closedEarly) {
      if (!Array.isArray(item) || typeof item[0] !== 'string' || typeof item[1] !== 'number' || !Number.isInteger(item[2]) || item[2] < 1) {
        fail('malformed closedEarly entry');
      }
    }
  }
  for (const session of snap.sessions) {
    if (
      typeof session?.key !== 'string' ||
      typeof session.customer !== 'string' ||
      typeof session.id !== 'string' ||
      typeof session.seq !== 'number' ||
      typeof session.timer !== 'number' ||
      typeof session.acc !== 'object' ||
      (session.repeat !== undefined && !(Number.isInteger(session.repeat) && session.repeat > 0))
    ) {
      fail('malformed session');
    }
  }
}

export function encodeSessionizerSnapshot(snapshot: SessionizerSnapshot): Buffer {
  return Buffer.from(JSON.stringify(snapshot), 'utf8');
}

export function decodeSessionizerSnapshot(bytes: Uint8Array): SessionizerSnapshot {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
  } catch (cause) {
    throw new FeatureError('WEIR_FEATURES_SNAPSHOT', 'sessionizer snapshot is not valid JSON', { cause });
  }
  checkSessionizerSnapshot(value);
  return value;
}

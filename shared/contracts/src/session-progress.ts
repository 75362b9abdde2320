/**
 * Progress records on `weir.sessions`: how far the sessionize stage has read one log partition in
 * event time. Sessionize sends one to every partition of `weir.sessions`, so each reader of a
 * partition meets it after every session record that partition of the log produced before it.
 * The window stage takes a customer's event time as the minimum over its log partitions, as a
 * stream processor takes an operator's watermark as the minimum over its inputs; every other
 * reader skips them.
 *
 * A progress record is told by its header (`weir-progress`); its value is a SessionFeatures with
 * an empty session id (no session has one) and no features, so the topic keeps its one schema
 * and a reader that does not know the header still decodes it.
 */
import { CodedError } from './coded-error.js';
import type { SessionFeatures } from './records.js';

export const SESSION_PROGRESS_HEADER = 'weir-progress';

export interface SessionProgress {
  /** The log topic (`weir.logs.<customer>`) and partition this is the progress of. */
  topic: string;
  partition: number;
  /** Partitions of the log topic: a reader waits to have heard of every one. */
  partitions: number;
  /**
   * Event time every later session record of this log partition is placed after: the
   * sessionizer's watermark (its newest event time minus its allowed lateness); null before any
   * event.
   */
  watermark: number | null;
  /** Quiet (caught up with the broker, no input for a while): it holds no one back until its next progress. */
  idle: boolean;
}

type HeaderValues = Record<string, Buffer | string | undefined> | undefined;

export function isSessionProgress(headers: HeaderValues): boolean {
  return headers?.[SESSION_PROGRESS_HEADER] !== undefined;
}

export function sessionProgressHeader(progress: SessionProgress): string {
  return JSON.stringify(progress);
}

/** The progress a record's headers carry, or null for a session record. Throws on a malformed one (bad data: dead-lettered). */
export function sessionProgressOf(headers: HeaderValues): SessionProgress | null {
  const raw = headers?.[SESSION_PROGRESS_HEADER];
  if (raw === undefined) return null;
  let value: unknown;
  try {
    value = JSON.parse(raw.toString());
  } catch {
    value = undefined;
  }
  const p = value as Partial<SessionProgress> | undefined;
  if (
    typeof p !== 'object' ||
    p === null ||
    typeof p.topic !== 'string' ||
    !Number.isInteger(p.partition) ||
    !Number.isInteger(p.partitions) ||
    (p.partitions as number) < 1 ||
    !(p.watermark === null || Number.isFinite(p.watermark)) ||
    typeof p.idle !== 'boolean'
  ) {
    throw new CodedError('WEIR_BAD_SESSION_PROGRESS', `malformed ${SESSION_PROGRESS_HEADER} header: ${raw.toString().slice(0, 200)}`, {
      reason: 'bad_session_progress',
    });
  }
  return p as SessionProgress;
}

/** The value a progress record carries: the customer, and nothing a session would have. */
export function sessionProgressValue(customer: string, watermark: number | null): SessionFeatures {
  return {
    customer,
    sessionId: '',
    sessionKey: '',
    clientIp: '',
    userAgent: null,
    firstTime: 0,
    lastTime: watermark ?? 0,
    requestCount: 0,
    closed: false,
    closeReason: null,
    featureSet: '',
    features: {},
  };
}

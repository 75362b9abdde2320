/**
 * The window baseline's checkpoint: JSON-safe, for the stream runtime's changelog. Per customer:
 * its newest lastTime, which windows each pending session sits in, and every open window's folded
 * aggregates (moments + sketch bins) and pending vectors, in folding order.
 */
import type { FeatureAggregateState } from './feature-aggregate.js';
import { FeatureError } from './errors.js';
import { featureSetFingerprint } from './registry.js';

export const WINDOW_SNAPSHOT_VERSION = 1;

export interface WindowSnapshot {
  start: number;
  foldedSessions: number;
  sinceEmit: number;
  folded: FeatureAggregateState[];
  /** [session id, feature vector in registry order], in insertion order. */
  pending: Array<[string, number[]]>;
}

export interface SourceGroupSnapshot {
  group: string;
  count: number;
  by: Array<[string, number | null, boolean]>;
  customers: string[];
}

export interface WindowBaselineSnapshot {
  version: number;
  featureSet: string;
  spec: { sizeMs: number; hopMs: number; offsetMs: number };
  counters: { records: number; late: number; closedSessionsAfterWindow: number; stale: number; windowsClosed: number };
  customers: Array<{
    customer: string;
    maxTime: number | null;
    lastSeen: Array<[string, number]>;
    /** Sessions closed into windows still open (absent in snapshots from before it was kept). */
    closed?: Array<[string, number]>;
    windows: WindowSnapshot[];
    /** The source groups (log topics) its event time comes from (absent: from the records). */
    groups?: string[];
  }>;
  /** Per source group (log topic): how many sources, [source, watermark, idle] of each heard of, and the customers read from it. */
  sourceGroups?: SourceGroupSnapshot[];
}

function fail(message: string): never {
  throw new FeatureError('WEIR_FEATURES_SNAPSHOT', `window snapshot: ${message}`);
}

export function checkWindowSnapshot(value: unknown): asserts value is WindowBaselineSnapshot {
  if (typeof value !== 'object' || value === null) fail('not an object');
  const snap = value as Partial<WindowBaselineSnapshot>;
  if (snap.version !== WINDOW_SNAPSHOT_VERSION) fail(`version ${String(snap.version)}, expected ${WINDOW_SNAPSHOT_VERSION}`);
  if (snap.featureSet !== featureSetFingerprint) fail(`written by feature set ${String(snap.featureSet)}, this code is ${featureSetFingerprint}`);
  if (typeof snap.spec !== 'object' || snap.spec === null) fail('spec missing');
  if (typeof snap.counters !== 'object' || snap.counters === null) fail('counters missing');
  if (!Array.isArray(snap.customers)) fail('customers must be an array');
  for (const customer of snap.customers) {
    if (typeof customer?.customer !== 'string' || !Array.isArray(customer.lastSeen) || !Array.isArray(customer.windows)) {
      fail('malformed customer');
    }
    for (const window of customer.windows) {
      if (typeof window?.start !== 'number' || !Array.isArray(window.folded) || !Array.isArray(window.pending)) fail('malformed window');
    }
  }
}

export function encodeWindowSnapshot(snapshot: WindowBaselineSnapshot): Buffer {
  return Buffer.from(JSON.stringify(snapshot), 'utf8');
}

export function decodeWindowSnapshot(bytes: Uint8Array): WindowBaselineSnapshot {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
  } catch (cause) {
    throw new FeatureError('WEIR_FEATURES_SNAPSHOT', 'window snapshot is not valid JSON', { cause });
  }
  checkWindowSnapshot(value);
  return value;
}

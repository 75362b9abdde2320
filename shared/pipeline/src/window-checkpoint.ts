/**
 * How the window stage's first phase checkpoints a partition's WindowBaseline: one small part per
 * customer, per open window, per pending session of a window and per session the customer still
 * tracks, never one part per customer holding all of them. With a long allowed lateness a busy
 * customer has many windows open at once, and one record holding them all outgrew Kafka's 1 MB
 * message limit (the checkpoint was then retried forever). A batch rewrites only the parts it
 * changed; a closed window's parts are deleted (tombstones in the changelog), as sessionize
 * deletes a closed session's.
 *
 * Checkpoints of the layout before this one (a customer's whole snapshot under its name) are
 * still restored: the customer's part keeps that key, so the first checkpoint after such a
 * restore overwrites it.
 */
import { FeatureError, WindowBaseline, type SourceGroupSnapshot, type WindowBaselineConfig, type WindowBaselineSnapshot } from '@weir/features';
import type { SnapshotParts } from './partition-checkpoint.js';

type CustomerWindows = WindowBaselineSnapshot['customers'][number];
type WindowSnap = CustomerWindows['windows'][number];

export type WindowPart =
  | { kind: 'customer'; customer: string; maxTime: number | null; groups?: string[] }
  /** A group of input sources (a log topic): its sources' progress (one part each: a batch rewrites the groups it moved). */
  | ({ kind: 'sources' } & SourceGroupSnapshot)
  /** An open window without its pending sessions' values; `pending`: their ids, in folding order. */
  | { kind: 'window'; customer: string; window: Omit<WindowSnap, 'pending'>; pending: string[] }
  /** A session's latest values, pending in one open window. */
  | { kind: 'pending'; customer: string; start: number; session: string; values: number[] }
  /** A session the customer tracks: lastTime of its pending record, or of its close while a window it was folded into is open. */
  | { kind: 'session'; customer: string; session: string; lastSeen?: number; closed?: number }
  /** The layout before: a customer's whole snapshot (no `kind`). */
  | CustomerWindows;

const SEP = '\u0000';

function partsOf(customer: CustomerWindows): Array<[string, WindowPart]> {
  const name = customer.customer;
  const parts: Array<[string, WindowPart]> = [
    [name, { kind: 'customer', customer: name, maxTime: customer.maxTime, ...(customer.groups ? { groups: customer.groups } : {}) }],
  ];
  for (const { pending, ...window } of customer.windows) {
    const key = `${name}${SEP}w${window.start}`;
    parts.push([key, { kind: 'window', customer: name, window, pending: pending.map(([session]) => session) }]);
    for (const [session, values] of pending) parts.push([`${key}${SEP}${session}`, { kind: 'pending', customer: name, start: window.start, session, values }]);
  }
  for (const [session, lastSeen] of customer.lastSeen) parts.push([`${name}${SEP}s${session}`, { kind: 'session', customer: name, session, lastSeen }]);
  for (const [session, closed] of customer.closed ?? []) parts.push([`${name}${SEP}s${session}`, { kind: 'session', customer: name, session, closed }]);
  return parts;
}

function joinParts(meta: WindowBaselineSnapshot, parts: readonly WindowPart[]): WindowBaselineSnapshot {
  const customers = new Map<string, CustomerWindows>();
  const customerOf = (name: string): CustomerWindows => {
    let customer = customers.get(name);
    if (!customer) customers.set(name, (customer = { customer: name, maxTime: null, lastSeen: [], closed: [], windows: [] }));
    return customer;
  };
  const windows: Array<{ customer: string; window: WindowSnap; order: string[] }> = [];
  const pending = new Map<string, number[]>();
  const sourceGroups: SourceGroupSnapshot[] = [];
  for (const part of parts) {
    if (!('kind' in part)) {
      customers.set(part.customer, { ...part, closed: part.closed ?? [] });
      continue;
    }
    switch (part.kind) {
      case 'customer': {
        const customer = customerOf(part.customer);
        customer.maxTime = part.maxTime;
        if (part.groups) customer.groups = part.groups;
        break;
      }
      case 'window': {
        const window: WindowSnap = { ...part.window, pending: [] };
        customerOf(part.customer).windows.push(window);
        windows.push({ customer: part.customer, window, order: part.pending });
        break;
      }
      case 'sources': {
        const { kind: _kind, ...group } = part;
        sourceGroups.push(group);
        break;
      }
      case 'pending':
        pending.set(`${part.customer}${SEP}${part.start}${SEP}${part.session}`, part.values);
        break;
      case 'session': {
        const customer = customerOf(part.customer);
        if (part.lastSeen !== undefined) customer.lastSeen.push([part.session, part.lastSeen]);
        if (part.closed !== undefined) customer.closed!.push([part.session, part.closed]);
        break;
      }
    }
  }
  // In the order they were added: exact sums hold the same value in any order, but not the same partials.
  for (const { customer, window, order } of windows) {
    for (const session of order) {
      const values = pending.get(`${customer}${SEP}${window.start}${SEP}${session}`);
      // A checkpoint writes a window's part with its pending ones: one without the other is a corrupt changelog.
      if (!values) throw new FeatureError('WEIR_FEATURES_SNAPSHOT', `window checkpoint: session ${session} pending in window ${window.start} of ${customer} has no values`);
      window.pending.push([session, values]);
    }
  }
  for (const customer of customers.values()) customer.windows.sort((a, b) => a.start - b.start);
  return {
    ...meta,
    ...(sourceGroups.length > 0 ? { sourceGroups: sourceGroups.sort((a, b) => a.group.localeCompare(b.group)) } : {}),
    customers: [...customers.values()].sort((a, b) => a.customer.localeCompare(b.customer)),
  };
}

/** What a part's key held when last written: a window's stamp, a pending vector, a session's time; never equal to a fresh value. */
type Token = unknown;
/** Written by a checkpoint this process cannot vouch for (restored, or of the layout before): rewritten once. */
const UNKNOWN: Token = Symbol('unknown');

/**
 * Per baseline, each part key's token as last written. Windows are stamped on every change and
 * pending vectors replaced, never changed in place (window.ts), so a checkpoint finds what moved
 * without serializing anything that did not, and the keys that went (closed windows, folded
 * sessions) by what is no longer there.
 */
const written = new WeakMap<WindowBaseline, Map<string, Token>>();

/** Every part of the baseline now: key, token, and the part (built only when asked). */
function* liveParts(baseline: WindowBaseline): Generator<[string, Token, () => WindowPart]> {
  for (const view of baseline.customerViews()) {
    const name = view.customer;
    const { maxTime, groups } = view;
    yield [name, `${maxTime}|${groups?.join('\u0000') ?? ''}`, () => ({ kind: 'customer', customer: name, maxTime, ...(groups ? { groups: [...groups] } : {}) })];
    for (const window of view.windows) {
      const key = `${name}${SEP}w${window.start}`;
      yield [key, window.stamp, () => ({ kind: 'window', customer: name, window: window.snapshotFolded(), pending: [...window.pending.keys()] })];
      for (const [session, values] of window.pending) {
        yield [`${key}${SEP}${session}`, values, () => ({ kind: 'pending', customer: name, start: window.start, session, values: Array.from(values) })];
      }
    }
    for (const [session, lastSeen] of view.lastSeen) yield [`${name}${SEP}s${session}`, `l${lastSeen}`, () => ({ kind: 'session', customer: name, session, lastSeen })];
    for (const [session, closed] of view.closed) yield [`${name}${SEP}s${session}`, `c${closed}`, () => ({ kind: 'session', customer: name, session, closed })];
  }
  for (const group of baseline.sourceGroupsSnapshot()) {
    const part: WindowPart = { kind: 'sources', ...group };
    yield [`${SEP}g${group.group}`, JSON.stringify(part), () => part];
  }
}

export function windowCheckpointParts(config: WindowBaselineConfig): SnapshotParts<WindowBaseline, WindowBaselineSnapshot, WindowPart> {
  const partial = { ...config, partials: true };
  return {
    create: () => new WindowBaseline(partial),
    snapshot: (baseline) => baseline.snapshot(),
    restore: (snapshot) => WindowBaseline.restore(snapshot, partial),
    split: ({ customers, sourceGroups, ...meta }) => ({
      meta: { ...meta, customers: [] },
      // A customer's name is never empty, so a key starting with NUL is no customer's.
      parts: [...customers.flatMap(partsOf), ...(sourceGroups ?? []).map((g): [string, WindowPart] => [`${SEP}g${g.group}`, { kind: 'sources', ...g }])],
    }),
    join: joinParts,
    incremental: {
      // What the state holds is this baseline's content, but perhaps in the layout before (a
      // customer's whole snapshot under its key): every part is rewritten once, and any key
      // that goes before then is still deleted.
      track: (baseline, restoredFrom) => {
        const keys = new Map<string, Token>();
        if (restoredFrom !== undefined) for (const [key] of liveParts(baseline)) keys.set(key, UNKNOWN);
        written.set(baseline, keys);
      },
      changes: (baseline) => {
        const before = written.get(baseline) ?? new Map<string, Token>();
        const now = new Map<string, Token>();
        const parts: Array<[string, WindowPart]> = [];
        for (const [key, token, part] of liveParts(baseline)) {
          now.set(key, token);
          if (before.get(key) !== token) parts.push([key, part()]);
        }
        const removed: string[] = [];
        for (const key of before.keys()) if (!now.has(key)) removed.push(key);
        written.set(baseline, now);
        return { meta: baseline.snapshotMeta(), parts, removed };
      },
    },
  };
}

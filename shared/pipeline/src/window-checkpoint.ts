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
  };
}

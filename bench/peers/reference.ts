/**
 * What every engine of `pnpm bench peers` must output, computed offline from weir's parse of the
 * same lines, and the comparison of an engine's closed windows with it.
 *
 * A session: one visitor's (record key's) events with no gap of 30 minutes or more between two of
 * them (weir's rule; the tests check these sessions against weir's offline sessionizer), with ten
 * aggregates. A window: per customer, the sessions whose session-window time (last event + gap,
 * minus a tick: Spark's `window_time`) falls in one minute, with the sessions' aggregates summed
 * (or maxed). Every aggregate is an integer, so an engine's window equals the reference's exactly
 * or not at all.
 */
import type { RequestEvent } from '../../shared/contracts/src/index.js';

export const GAP_MS = 30 * 60_000;
export const WINDOW_MS = 60_000;

/** The peers' static-asset rule, applied to the request target (path and query) as their regex reads it. */
const ASSET = /\.(css|js|png|jpe?g|gif|svg|ico|woff2?|webp)(\?|$)/;

export const requestTarget = (e: Pick<RequestEvent, 'path' | 'query'>): string => (e.query === null ? e.path : `${e.path}?${e.query}`);

export interface PeerSession {
  customer: string;
  key: string;
  first: number;
  last: number;
  events: number;
  bytes: number;
  maxBytes: number;
  errors: number;
  nonGet: number;
  assets: number;
  noReferrer: number;
  /** Distinct request targets, exactly. */
  paths: number;
}

/** The aggregates of a customer's window, as every engine writes them (JSON, these names). */
export const WINDOW_FIELDS = ['sessions', 'events', 'durationS', 'maxEvents', 'bytes', 'maxBytes', 'errors', 'nonGet', 'assets', 'noReferrer', 'paths'] as const;
export type WindowField = (typeof WINDOW_FIELDS)[number];
export type PeerWindow = { customer: string; windowStart: number } & Record<WindowField, number>;

const floorTo = (ms: number, unit: number) => Math.floor(ms / unit) * unit;

/** The window a closed session counts in: its session-window time, last event + gap − 1 ms. */
export const sessionWindowStart = (last: number): number => floorTo(last + GAP_MS - 1, WINDOW_MS);

interface Open extends PeerSession {
  targets: Set<string>;
}

/** Every session of the traffic, closed by its gap or by the end of the input, in order of closing. */
export function referenceSessions(traffic: Iterable<{ key: string; event: RequestEvent }>): PeerSession[] {
  const open = new Map<string, Open>();
  const closed: PeerSession[] = [];
  const close = ({ targets, ...session }: Open) => closed.push({ ...session, paths: targets.size });
  const events = [...traffic].sort((a, b) => a.event.eventTime - b.event.eventTime);
  for (const { key, event } of events) {
    let s = open.get(key);
    if (s && event.eventTime - s.last >= GAP_MS) {
      close(s);
      s = undefined;
    }
    if (!s) {
      s = { customer: event.customer, key, first: event.eventTime, last: event.eventTime, events: 0, bytes: 0, maxBytes: 0, errors: 0, nonGet: 0, assets: 0, noReferrer: 0, paths: 0, targets: new Set() };
      open.set(key, s);
    }
    const target = requestTarget(event);
    s.last = event.eventTime;
    s.events += 1;
    s.bytes += event.bytes;
    s.maxBytes = Math.max(s.maxBytes, event.bytes);
    if (event.status >= 400) s.errors += 1;
    if (event.method !== 'GET') s.nonGet += 1;
    if (ASSET.test(target)) s.assets += 1;
    if (event.referrer === null) s.noReferrer += 1;
    s.targets.add(target);
  }
  for (const s of open.values()) close(s);
  return closed;
}

/** The per-customer 1-minute windows over closed sessions, by customer then window start. */
export function referenceWindows(sessions: readonly PeerSession[]): PeerWindow[] {
  const windows = new Map<string, PeerWindow>();
  for (const s of sessions) {
    const windowStart = sessionWindowStart(s.last);
    const id = `${s.customer}|${windowStart}`;
    let w = windows.get(id);
    if (!w) {
      w = { customer: s.customer, windowStart, sessions: 0, events: 0, durationS: 0, maxEvents: 0, bytes: 0, maxBytes: 0, errors: 0, nonGet: 0, assets: 0, noReferrer: 0, paths: 0 };
      windows.set(id, w);
    }
    w.sessions += 1;
    w.events += s.events;
    w.durationS += (s.last - s.first) / 1000;
    w.maxEvents = Math.max(w.maxEvents, s.events);
    w.bytes += s.bytes;
    w.maxBytes = Math.max(w.maxBytes, s.maxBytes);
    w.errors += s.errors;
    w.nonGet += s.nonGet;
    w.assets += s.assets;
    w.noReferrer += s.noReferrer;
    w.paths += s.paths;
  }
  return [...windows.values()].sort((a, b) => a.customer.localeCompare(b.customer) || a.windowStart - b.windowStart);
}

export interface Agreement {
  /** Reference windows the engine wrote with every aggregate equal. */
  equal: number;
  total: number;
  /** Reference windows the engine never wrote. */
  missing: PeerWindow[];
  /** Windows the engine wrote that the reference has not (inside the traffic's span: the sentinels' own are left out). */
  extra: PeerWindow[];
  /** Windows written with some aggregate different: the reference's, the engine's and the fields that differ. */
  differing: { reference: PeerWindow; got: PeerWindow; fields: WindowField[] }[];
}

/** An engine's closed windows (the last written of each, should one be written twice) against the reference, on `fields`. */
export function compareWindows(reference: readonly PeerWindow[], got: readonly PeerWindow[], fields: readonly WindowField[] = WINDOW_FIELDS): Agreement {
  const byId = new Map(got.map((w) => [`${w.customer}|${w.windowStart}`, w]));
  const lastOf = new Map<string, number>();
  for (const r of reference) lastOf.set(r.customer, Math.max(lastOf.get(r.customer) ?? -Infinity, r.windowStart));
  const agreement: Agreement = { equal: 0, total: reference.length, missing: [], extra: [], differing: [] };
  for (const r of reference) {
    const id = `${r.customer}|${r.windowStart}`;
    const w = byId.get(id);
    byId.delete(id);
    if (!w) {
      agreement.missing.push(r);
      continue;
    }
    const differ = fields.filter((f) => w[f] !== r[f]);
    if (differ.length === 0) agreement.equal += 1;
    else agreement.differing.push({ reference: r, got: w, fields: differ });
  }
  for (const w of byId.values()) if (w.windowStart <= (lastOf.get(w.customer) ?? -Infinity)) agreement.extra.push(w);
  return agreement;
}

/** A few lines that say how an engine's windows differ from the reference's. */
export function describeDisagreement(a: Agreement, limit = 3): string[] {
  const at = (w: PeerWindow) => `${w.customer} ${new Date(w.windowStart).toISOString()}`;
  return [
    ...a.missing.slice(0, limit).map((r) => `missing ${at(r)} (${r.sessions} sessions, ${r.events} events)`),
    ...a.extra.slice(0, limit).map((w) => `extra ${at(w)} (${w.sessions} sessions, ${w.events} events)`),
    ...a.differing.slice(0, limit).map(({ reference: r, got: w, fields }) => `${at(r)}: ${fields.map((f) => `${f} ${w[f]} (reference ${r[f]})`).join(', ')}`),
  ];
}

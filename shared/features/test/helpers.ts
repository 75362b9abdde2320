/** Builders shared by the tests: requests, runs of the sessionizer, session records for windows. */
import type { RequestEvent, SessionFeatures } from '@weir/contracts';
import { FEATURE_NAMES, featureSetFingerprint } from '../src/registry.js';
import { Sessionizer, type LateEvent } from '../src/sessionizer.js';
import type { SessionizerConfig } from '../src/sessionizer-config.js';

export const CHROME_130 =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36';

/** 2025-06-02T03:00:00Z: a Monday, 03:00 UTC (night in UTC). */
export const T0 = Date.UTC(2025, 5, 2, 3, 0, 0);

export function request(overrides: Partial<RequestEvent> = {}): RequestEvent {
  return {
    customer: 'shop',
    eventTime: T0,
    clientIp: '10.0.0.1',
    userAgent: CHROME_130,
    method: 'GET',
    path: '/',
    query: null,
    protocol: 'HTTP/1.1',
    status: 200,
    bytes: 100,
    referrer: null,
    host: null,
    sessionId: null,
    requestTimeMs: null,
    extra: {},
    ...overrides,
  };
}

/** `request` at T0 + seconds. */
export function at(seconds: number, overrides: Partial<RequestEvent> = {}): RequestEvent {
  return request({ eventTime: T0 + Math.round(seconds * 1000), ...overrides });
}

export interface Run {
  records: SessionFeatures[];
  late: LateEvent[];
}

export function run(events: readonly RequestEvent[], config: SessionizerConfig = {}, flush = true): Run {
  const sessionizer = new Sessionizer(config);
  const out: Run = { records: [], late: [] };
  for (const event of events) {
    const result = sessionizer.push(event);
    out.records.push(...result.records);
    out.late.push(...result.late);
  }
  if (flush) {
    const result = sessionizer.flush();
    out.records.push(...result.records);
    out.late.push(...result.late);
  }
  return out;
}

/** The closed records of a run, in emission order. */
export function closedSessions(events: readonly RequestEvent[], config: SessionizerConfig = {}): SessionFeatures[] {
  return run(events, { updateEveryEvents: 0, updateAfterMs: 0, ...config }).records.filter((r) => r.closed);
}

/** The features of the only session the events make. */
export function featuresOf(events: readonly RequestEvent[], config: SessionizerConfig = {}): Record<string, number> {
  const sessions = closedSessions(events, config);
  if (sessions.length !== 1) throw new Error(`expected one session, got ${sessions.length}`);
  return (sessions[0] as SessionFeatures).features;
}

/** A session record for window tests: every feature 0 unless given. */
export function sessionRecord(
  sessionId: string,
  lastTime: number,
  features: Record<string, number> = {},
  options: { closed?: boolean; customer?: string } = {},
): SessionFeatures {
  const all: Record<string, number> = {};
  for (const name of FEATURE_NAMES) all[name] = features[name] ?? 0;
  return {
    customer: options.customer ?? 'shop',
    sessionId,
    sessionKey: sessionId,
    clientIp: '10.0.0.1',
    userAgent: null,
    firstTime: lastTime,
    lastTime,
    requestCount: 1,
    closed: options.closed ?? false,
    closeReason: null,
    featureSet: featureSetFingerprint,
    features: all,
  };
}

/** A small deterministic PRNG (mulberry32) so "random" test traffic is the same on every run. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export function assertClose(actual: number | undefined, expected: number, tolerance = 1e-9, label = ''): void {
  if (actual === undefined || !(Math.abs(actual - expected) <= tolerance * Math.max(1, Math.abs(expected)))) {
    throw new Error(`${label}: expected ${expected}, got ${String(actual)}`);
  }
}

/** The events in a jittered arrival order: each may arrive up to maxShiftMs late. */
export function shuffleWithin(events: RequestEvent[], maxShiftMs: number, seed: number): RequestEvent[] {
  const random = prng(seed);
  return events
    .map((event) => ({ event, arrival: event.eventTime + random() * maxShiftMs }))
    .sort((a, b) => a.arrival - b.arrival)
    .map((x) => x.event);
}

/** Mixed traffic of 12 visitors over two customers, with long silences so sessions close by gap mid-stream. */
export function traffic(count: number, seed: number): RequestEvent[] {
  const random = prng(seed);
  const events: RequestEvent[] = [];
  let time = T0;
  const paths = ['/', '/a', '/a/b', '/img/x.png', '/s.css', '/app.js', '/doc.pdf', '/login', '/robots.txt', '/p/1', '/p/2'];
  for (let i = 0; i < count; i++) {
    time += Math.floor(random() * 4000) + 1; // distinct times: ties would be ordered by arrival
    const visitor = Math.floor(random() * 12);
    events.push(
      request({
        customer: visitor % 3 === 0 ? 'other' : 'shop',
        eventTime: time,
        clientIp: `10.0.0.${visitor}`,
        userAgent: visitor === 5 ? null : visitor % 2 === 0 ? CHROME_130 : 'python-requests/2.32.3',
        method: random() < 0.1 ? 'POST' : 'GET',
        path: paths[Math.floor(random() * paths.length)] as string,
        status: random() < 0.1 ? 404 : 200,
        bytes: Math.floor(random() * 10_000),
        referrer: random() < 0.5 ? null : 'https://www.shop.com/',
      }),
    );
    // Now and then a long silence, so sessions close by gap mid-stream.
    if (random() < 0.02) time += 40 * 60_000;
  }
  return events;
}

/**
 * One visitor's long session: `count` requests 10 ms apart, mostly to `/` with a few other paths,
 * methods and statuses, so single path buckets and counters pass 65,535.
 */
export function longSession(count: number, seed = 5): RequestEvent[] {
  const random = prng(seed);
  const others = ['/api/items', '/a/b/c', '/img/x.png', '/login'];
  const events: RequestEvent[] = [];
  for (let i = 0; i < count; i++) {
    events.push(
      request({
        eventTime: T0 + i * 10,
        clientIp: '10.9.9.9',
        userAgent: 'python-requests/2.32.3',
        method: random() < 0.05 ? 'POST' : 'GET',
        path: random() < 0.95 ? '/' : (others[Math.floor(random() * others.length)] as string),
        status: random() < 0.1 ? 404 : 200,
        bytes: Math.floor(random() * 100_000),
        referrer: null,
      }),
    );
  }
  return events;
}

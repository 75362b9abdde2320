/**
 * What the features and open-sessions benchmarks share: forced-GC memory readings and a
 * sessionizer filled with open sessions from synthetic requests made on the fly.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { RequestEvent } from '../shared/contracts/src/index.js';
import { Sessionizer } from '../shared/features/src/index.js';

export const T0 = Date.UTC(2025, 5, 2, 9, 0, 0);

export const USER_AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/136.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/135.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/136.0.0.0 Mobile Safari/537.36',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 18_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.4 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.3 Safari/605.1.15',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/136.0.0.0 Safari/537.36 Edg/136.0.0.0',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:138.0) Gecko/20100101 Firefox/138.0',
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/134.0.0.0 Safari/537.36',
  'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
  'python-requests/2.32.3',
  'curl/8.7.1',
];

/** `global.gc`, exposing it at run time when node was started without --expose-gc. */
export function gcFunction(): () => void {
  const existing = (globalThis as { gc?: () => void }).gc;
  if (typeof existing === 'function') return existing;
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

/**
 * Heap plus off-heap bytes after forced GCs. `external` already includes `arrayBuffers` (typed
 * array backing stores): adding both would count those twice.
 */
export function usedBytes(gc: () => void): number {
  for (let i = 0; i < 3; i++) gc();
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.external;
}

/**
 * Request `request` of visitor `session`: a page first, then product pages. The IP and UA strings
 * are made per event, as decoding each record makes them.
 */
export function memoryEvent(session: number, request: number): RequestEvent {
  return {
    customer: 'shop',
    eventTime: T0 + request * 1000,
    clientIp: `10.${(session >>> 16) & 255}.${(session >>> 8) & 255}.${session & 255}`,
    userAgent: `${USER_AGENTS[session % USER_AGENTS.length]}`.slice(0),
    method: 'GET',
    path: request === 0 ? '/' : `/products/${(session * 7 + request) % 400}`,
    query: null,
    protocol: 'HTTP/1.1',
    status: 200,
    bytes: 1000 + request,
    referrer: request === 0 ? null : 'https://www.shop.com/',
    host: null,
    sessionId: null,
    requestTimeMs: null,
    extra: {},
  };
}

export interface OpenSessions {
  sessionizer: Sessionizer;
  /** Heap + off-heap bytes the open sessions added, per session. */
  bytesPerSession: number;
}

/**
 * A sessionizer holding `sessions` open sessions of `requestsPerSession` requests each, and what
 * they cost. No lateness (nothing waits in the reorder buffer) and updates only on close (no
 * emitted record is held), so what is measured is the open sessions alone.
 */
export function openSessions(
  gc: () => void,
  sessions: number,
  requestsPerSession: number,
  progress: (request: number, session: number) => void = () => {},
): OpenSessions {
  const config = { allowedLatenessMs: 0, updateEveryEvents: 0, updateAfterMs: 0 };
  // Parse every UA once first: the shared UA memo is not per-session memory.
  const warm = new Sessionizer(config);
  for (let s = 0; s < USER_AGENTS.length; s++) warm.push(memoryEvent(s, 0));
  const before = usedBytes(gc);
  const sessionizer = new Sessionizer(config);
  let emitted = 0;
  // Requests round-robin over the sessions, in time order; events are made on the fly and dropped.
  for (let request = 0; request < requestsPerSession; request++) {
    for (let session = 0; session < sessions; session++) {
      emitted += sessionizer.push(memoryEvent(session, request)).records.length;
      progress(request, session + 1);
    }
  }
  const after = usedBytes(gc);
  const open = sessionizer.stats().openSessions;
  if (open !== sessions || emitted !== 0) throw new Error(`expected ${sessions} open sessions and no record, found ${open} and ${emitted}`);
  return { sessionizer, bytesPerSession: (after - before) / open };
}

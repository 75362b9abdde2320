/**
 * Sessionize memory with 1,000,000 open sessions (`pnpm bench open-sessions`): the process's RSS
 * and the heap + off-heap bytes per open session (forced GCs before and after), against a
 * baseline measured in the same run: a Map of the same 1M `ip|ua` keys to an empty object, the
 * least any per-visitor state costs. Goal: at most 1 KB per open session.
 *
 * Sessions get 2 requests each (a page, then an asset), with distinct client IPs and the 11
 * user agents of the features benchmark; no lateness and updates only on close, so nothing but
 * the open sessions is held.
 */
import { pathToFileURL } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { RequestEvent } from '../shared/contracts/src/index.js';
import { ipUaKey, Sessionizer } from '../shared/features/src/index.js';
import type { BenchResult } from './result.js';
import { formatResult } from './result.js';

const SESSIONS = Number(process.env.WEIR_BENCH_OPEN_SESSIONS ?? 1_000_000);
const T0 = Date.UTC(2025, 5, 2, 9, 0, 0);
const USER_AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/136.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/136.0.0.0 Mobile Safari/537.36',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 18_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.4 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.3 Safari/605.1.15',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:138.0) Gecko/20100101 Firefox/138.0',
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/134.0.0.0 Safari/537.36',
  'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
  'python-requests/2.32.3',
  'curl/8.7.1',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/136.0.0.0 Safari/537.36 Edg/136.0.0.0',
  'Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/136.0.0.0 Mobile Safari/537.36',
];

let sink = 0;

function gcFunction(): () => void {
  const existing = (globalThis as { gc?: () => void }).gc;
  if (typeof existing === 'function') return existing;
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

function usedBytes(gc: () => void): number {
  for (let i = 0; i < 3; i++) gc();
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.external + usage.arrayBuffers;
}

function event(session: number, request: number): RequestEvent {
  return {
    customer: 'shop',
    eventTime: T0 + request * 1000,
    // Strings made per event, as decoding each record makes them.
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

function progress(what: string, done: number): void {
  if (done % 250_000 === 0) process.stdout.write(`  ${what}: ${done.toLocaleString('en-US')} of ${SESSIONS.toLocaleString('en-US')}\n`);
}

function sessionizerMemory(gc: () => void): { perSession: number; rss: number } {
  const config = { allowedLatenessMs: 0, updateEveryEvents: 0, updateAfterMs: 0 };
  const warm = new Sessionizer(config);
  for (let s = 0; s < USER_AGENTS.length; s++) warm.push(event(s, 0));
  const before = usedBytes(gc);
  const sessionizer = new Sessionizer(config);
  for (let request = 0; request < 2; request++) {
    for (let session = 0; session < SESSIONS; session++) {
      sink += sessionizer.push(event(session, request)).records.length;
      progress(`request ${request + 1} of 2 per session`, session + 1);
    }
  }
  const after = usedBytes(gc);
  const open = sessionizer.stats().openSessions;
  if (open !== SESSIONS) throw new Error(`expected ${SESSIONS} open sessions, found ${open}`);
  const rss = process.memoryUsage().rss;
  sink += sessionizer.stats().events;
  return { perSession: (after - before) / open, rss };
}

function baselineMemory(gc: () => void): number {
  const before = usedBytes(gc);
  const map = new Map<string, object>();
  for (let session = 0; session < SESSIONS; session++) map.set(ipUaKey(event(session, 0)), {});
  const after = usedBytes(gc);
  sink += map.size;
  return (after - before) / map.size;
}

export async function run(): Promise<BenchResult[]> {
  const gc = gcFunction();
  const baseline = baselineMemory(gc);
  gc();
  const { perSession, rss } = sessionizerMemory(gc);
  if (sink === 0.5) console.log(sink);
  return [
    {
      name: `sessionizer memory per open session (${SESSIONS.toLocaleString('en-US')} open, heap + off-heap)`,
      value: perSession,
      unit: 'bytes',
      baseline: { name: 'a Map of the same ip|ua keys', value: baseline },
    },
    { name: `RSS with ${SESSIONS.toLocaleString('en-US')} open sessions`, value: rss / 1024 / 1024, unit: 'MiB' },
  ];
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  for (const result of await run()) console.log(formatResult(result));
}

/**
 * @weir/features cost on one core.
 *
 * - feature-update throughput: events/s (of process CPU time) through a Sessionizer with default
 *   settings — reorder buffer, timers, accumulators, update and close records with every feature —
 *   over 200,000 synthetic requests slightly out of order, median of 7 runs. Baseline, measured in
 *   the same run and interleaved run by run: a bare loop that counts events per `ip|ua` key in a
 *   Map over the same events (the least a sessionizer must do).
 * - memory: heap + off-heap bytes per open session, measured with forced GCs before and after
 *   opening 100,000 sessions of 5 requests each, and the checkpoint size per session (the
 *   encoded snapshot's bytes / sessions).
 *
 * Events are generated here (deterministic LCG), not by the simulator package.
 * `npx tsx bench/features.bench.ts` runs it alone; `pnpm bench features` runs it with the others.
 */
import { pathToFileURL } from 'node:url';
import type { RequestEvent } from '../shared/contracts/src/index.js';
import { encodeSessionizerSnapshot, Sessionizer } from '../shared/features/src/index.js';
import { seededRandom } from './random.js';
import { formatResult, median, type BenchResult } from './result.js';
import { gcFunction, openSessions, T0, USER_AGENTS } from './session-memory.js';

const EVENT_COUNT = 200_000;
const RUNS = 7;
const MEMORY_SESSIONS = 100_000;
const REQUESTS_PER_MEMORY_SESSION = 5;

const ASSETS = ['/static/app.css', '/static/app.js', '/static/vendor.js', '/img/logo.png', '/img/hero.webp', '/favicon.ico'];

function pathFor(random: () => number): string {
  const r = random();
  if (r < 0.45) return ASSETS[Math.floor(random() * ASSETS.length)] as string;
  if (r < 0.75) return `/products/${Math.floor(random() * 400)}`;
  if (r < 0.9) return `/category/${Math.floor(random() * 30)}/`;
  if (r < 0.97) return `/img/p/${Math.floor(random() * 400)}.jpg`;
  return random() < 0.5 ? '/login' : '/robots.txt';
}

/**
 * A site's traffic: a slowly rotating population of visitors (about 10 requests each, spread over
 * ~100 s), requests 20 ms apart on average and up to 2 s out of order, so sessions open, update,
 * close by gap and pass through the reorder buffer as in production.
 */
function traffic(count: number): RequestEvent[] {
  const random = seededRandom('42');
  const events: RequestEvent[] = [];
  for (let i = 0; i < count; i++) {
    const visitor = Math.floor(i / 10) + Math.floor(random() * 500);
    const status = random() < 0.05 ? 404 : random() < 0.02 ? 500 : 200;
    events.push({
      customer: 'shop',
      eventTime: T0 + i * 20 + Math.floor(random() * 2000),
      clientIp: `10.${(visitor >>> 16) & 255}.${(visitor >>> 8) & 255}.${visitor & 255}`,
      userAgent: USER_AGENTS[visitor % USER_AGENTS.length] as string,
      method: random() < 0.05 ? 'POST' : 'GET',
      path: pathFor(random),
      query: null,
      protocol: 'HTTP/1.1',
      status,
      bytes: Math.floor(random() * 50_000),
      referrer: random() < 0.3 ? null : random() < 0.1 ? 'https://www.google.com/' : 'https://www.shop.com/products/1',
      host: null,
      sessionId: null,
      requestTimeMs: null,
      extra: {},
    });
  }
  return events;
}

/** Results are folded in here so no measured work can be optimised away. */
let sink = 0;

function sessionizeAll(events: readonly RequestEvent[]): void {
  const sessionizer = new Sessionizer();
  for (const event of events) sink += sessionizer.push(event).records.length;
  sink += sessionizer.flush().records.length;
}

function countPerKey(events: readonly RequestEvent[]): void {
  const counts = new Map<string, number>();
  for (const event of events) {
    const key = `${event.clientIp}|${event.userAgent ?? ''}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  sink += counts.size;
}

function cpuSeconds(work: () => void): number {
  // CPU time, not wall time: on a shared machine wall time mostly measures the other processes.
  const started = process.cpuUsage();
  work();
  const used = process.cpuUsage(started);
  return (used.user + used.system) / 1e6;
}

function throughput(events: readonly RequestEvent[]): { sessionizer: number; baseline: number } {
  // Warm up both so the JIT has compiled them before the first measured run.
  sessionizeAll(events.slice(0, 20_000));
  countPerKey(events.slice(0, 20_000));
  const ours: number[] = [];
  const bare: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    ours.push(events.length / cpuSeconds(() => sessionizeAll(events)));
    bare.push(events.length / cpuSeconds(() => countPerKey(events)));
  }
  return { sessionizer: median(ours), baseline: median(bare) };
}

function memory(): { bytesPerSession: number; checkpointBytesPerSession: number } {
  const { sessionizer, bytesPerSession } = openSessions(gcFunction(), MEMORY_SESSIONS, REQUESTS_PER_MEMORY_SESSION);
  const checkpoint = encodeSessionizerSnapshot(sessionizer.snapshot()).length;
  sink += sessionizer.stats().events;
  return { bytesPerSession, checkpointBytesPerSession: checkpoint / sessionizer.stats().openSessions };
}

export async function run(): Promise<BenchResult[]> {
  const events = traffic(EVENT_COUNT);
  const speed = throughput(events);
  const mem = memory();
  const results: BenchResult[] = [
    {
      name: 'sessionize + features, default settings (1 core)',
      value: speed.sessionizer,
      unit: 'events/s',
      baseline: { name: 'count events per ip|ua key in a Map', value: speed.baseline },
    },
    { name: 'memory per open session (heap + off-heap, 5 requests each)', value: mem.bytesPerSession, unit: 'bytes' },
    { name: 'checkpoint size per open session (encoded snapshot)', value: mem.checkpointBytesPerSession, unit: 'bytes' },
  ];
  if (sink === 0.5) console.log(sink);
  return results;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const result of await run()) console.log(formatResult(result));
}

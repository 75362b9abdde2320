/**
 * Sessionize memory with 1,000,000 open sessions (`pnpm bench open-sessions`): the process's RSS
 * and the heap + off-heap bytes per open session (forced GCs before and after), against a
 * baseline measured in the same run: a Map of the same 1M `ip|ua` keys to an empty object, the
 * least any per-visitor state costs. Goal: at most 1 KB per open session.
 *
 * Sessions get 2 requests each (a page, then a product page), with distinct client IPs and the
 * user agents of the features benchmark (bench/session-memory.ts sets them up for both).
 */
import { pathToFileURL } from 'node:url';
import { ipUaKey } from '../shared/features/src/index.js';
import type { BenchResult } from './result.js';
import { formatResult } from './result.js';
import { gcFunction, memoryEvent, openSessions, usedBytes } from './session-memory.js';

const SESSIONS = Number(process.env.WEIR_BENCH_OPEN_SESSIONS ?? 1_000_000);
const REQUESTS_PER_SESSION = 2;

let sink = 0;

function progress(request: number, done: number): void {
  if (done % 250_000 === 0) {
    process.stdout.write(`  request ${request + 1} of ${REQUESTS_PER_SESSION} per session: ${done.toLocaleString('en-US')} of ${SESSIONS.toLocaleString('en-US')}\n`);
  }
}

function baselineMemory(gc: () => void): number {
  const before = usedBytes(gc);
  const map = new Map<string, object>();
  for (let session = 0; session < SESSIONS; session++) map.set(ipUaKey(memoryEvent(session, 0)), {});
  const after = usedBytes(gc);
  sink += map.size;
  return (after - before) / map.size;
}

export async function run(): Promise<BenchResult[]> {
  const gc = gcFunction();
  const baseline = baselineMemory(gc);
  gc();
  const { sessionizer, bytesPerSession } = openSessions(gc, SESSIONS, REQUESTS_PER_SESSION, progress);
  const rss = process.memoryUsage().rss;
  sink += sessionizer.stats().events;
  if (sink === 0.5) console.log(sink);
  return [
    {
      name: `sessionizer memory per open session (${SESSIONS.toLocaleString('en-US')} open, heap + off-heap)`,
      value: bytesPerSession,
      unit: 'bytes',
      baseline: { name: 'a Map of the same ip|ua keys', value: baseline },
    },
    { name: `RSS with ${SESSIONS.toLocaleString('en-US')} open sessions`, value: rss / 1024 / 1024, unit: 'MiB' },
  ];
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  for (const result of await run()) console.log(formatResult(result));
}

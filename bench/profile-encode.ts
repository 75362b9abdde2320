/**
 * Ingest's per-line work alone, without HTTP or a bus: `npx tsx bench/profile-encode.ts` runs
 * `encodeLines` (split, parse, key, encode) over the ingest bench's bodies for WEIR_PROFILE_SECONDS
 * (default 8) and prints the CPU time per line, the figure to compare between two versions of
 * that code (run each in turn, several times). With WEIR_PROFILE_DIR, also a CPU profile of it.
 * Not a *.bench.ts: `pnpm bench` does not run it.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Session } from 'node:inspector/promises';
import { EmbeddedRegistry, RegistrySerde, type RequestEvent } from '../shared/contracts/src/index.js';
import { encodeLines } from '../services/ingest/src/encode.js';
import { ParserCache } from '../services/ingest/src/parsers.js';
import type { LogPublisher } from '../services/ingest/src/publish.js';
import { bodies } from './ingest.bench.js';
import { topSelf, type Profile } from './profile.js';

const seconds = Number(process.env.WEIR_PROFILE_SECONDS ?? 8);
const payloads = bodies(16);
const publisher = {
  ensureTopic: async () => undefined,
  unavailable: (doing: string, err: unknown) => new Error(`${doing}: ${String(err)}`),
} as unknown as LogPublisher;
const deps = {
  serde: new RegistrySerde<RequestEvent>(new EmbeddedRegistry()),
  publisher,
  parsers: new ParserCache(),
  sessionKey: 'ip_ua' as const,
  limits: { maxLineBytes: 65_536, maxListedRejections: 100 },
};

async function runFor(ms: number): Promise<{ lines: number; cpuSeconds: number }> {
  let lines = 0;
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  for (let i = 0; performance.now() - started < ms; i++) {
    const { report } = await encodeLines(deps, payloads[i % payloads.length]!, 'utf-8', 'bench', 'combined');
    if (report.accepted !== report.lines) throw new Error(`${report.lines - report.accepted} lines rejected: ${JSON.stringify(report.rejected[0])}`);
    lines += report.lines;
  }
  const cpu = process.cpuUsage(cpuBefore);
  return { lines, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
}

await runFor(1000);
const session = process.env.WEIR_PROFILE_DIR ? new Session() : null;
if (session) {
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
}
const { lines, cpuSeconds } = await runFor(seconds * 1000);
console.log(`encodeLines: ${lines} lines, ${((cpuSeconds * 1e6) / lines).toFixed(3)} µs CPU per line`);
if (session) {
  const { profile } = (await session.post('Profiler.stop')) as { profile: Profile };
  writeFileSync(join(process.env.WEIR_PROFILE_DIR!, 'encode.cpuprofile'), JSON.stringify(profile));
  for (const { share, where } of topSelf(profile, 25)) console.log(`${(share * 100).toFixed(1).padStart(5)} %  ${where}`);
}

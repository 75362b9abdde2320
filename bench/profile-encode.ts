/**
 * Ingest's per-line work alone, without HTTP or a bus: `npx tsx bench/profile-encode.ts` runs
 * `encodeLines` (split, parse, key, encode) over the ingest bench's bodies for WEIR_PROFILE_SECONDS
 * (default 8) and prints the CPU time per line, the least and the median of rounds of 8 bodies:
 * the figures to compare between two versions of that code (run each in turn, several times; on
 * a shared machine the least is the one other work disturbs least). With WEIR_PROFILE_DIR, also
 * a CPU profile of it.
 * Not a *.bench.ts: `pnpm bench` does not run it.
 */
import { Session } from 'node:inspector/promises';
import { EmbeddedRegistry, RegistrySerde, type RequestEvent } from '../shared/contracts/src/index.js';
import { encodeLines } from '../services/ingest/src/encode.js';
import { ParserCache } from '../services/ingest/src/parsers.js';
import type { LogPublisher } from '../services/ingest/src/publish.js';
import { bodies } from './ingest.bench.js';
import { saveProfile, topSelf, type Profile } from './profile.js';
import { median } from './result.js';

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

const BODIES_PER_ROUND = 8;

/** Rounds of BODIES_PER_ROUND bodies for `ms`: the lines and the CPU µs per line of each round. */
async function runFor(ms: number): Promise<{ lines: number; perLine: number[] }> {
  let lines = 0;
  const perLine: number[] = [];
  const started = performance.now();
  for (let round = 0; performance.now() - started < ms; round++) {
    const cpuBefore = process.cpuUsage();
    let roundLines = 0;
    for (let i = 0; i < BODIES_PER_ROUND; i++) {
      const { report } = await encodeLines(deps, payloads[(round * BODIES_PER_ROUND + i) % payloads.length]!, 'utf-8', 'bench', 'combined');
      if (report.accepted !== report.lines) throw new Error(`${report.lines - report.accepted} lines rejected: ${JSON.stringify(report.rejected[0])}`);
      roundLines += report.lines;
    }
    const cpu = process.cpuUsage(cpuBefore);
    perLine.push((cpu.user + cpu.system) / roundLines);
    lines += roundLines;
  }
  return { lines, perLine };
}

await runFor(1000);
const session = process.env.WEIR_PROFILE_DIR ? new Session() : null;
if (session) {
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
}
const { lines, perLine } = await runFor(seconds * 1000);
console.log(`encodeLines: ${lines} lines, CPU per line: least ${Math.min(...perLine).toFixed(3)} µs, median ${median(perLine).toFixed(3)} µs`);
if (session) {
  const { profile } = (await session.post('Profiler.stop')) as { profile: Profile };
  saveProfile('encode.cpuprofile', profile);
  for (const { share, where } of topSelf(profile, 25)) console.log(`${(share * 100).toFixed(1).padStart(5)} %  ${where}`);
}

/**
 * `pnpm start`'s throughput end to end, against the simulator's own limit.
 *
 * - Baseline: the traffic feeder `weir start` uses (simulate, parse, key, encode, send to the
 *   embedded bus) alone, with nothing reading: the most events/s `pnpm start` could be fed here.
 * - `pnpm start events/s`: `weir start --speed 1000000` (simulated time as fast as it goes) for
 *   WEIR_START_SECONDS (20), its report's events/s through sessionize (every event), with ingest's
 *   (fed), window's and score's rates printed beside it. Median of WEIR_START_RUNS (3).
 * - Per CPU second: the same two over the CPU time each used (the feeder's in this process, `weir
 *   start`'s as its report gives it). On a machine shared with other work a process's share of the
 *   cores swings run to run (events/s by 2x here); its CPU time per event does much less.
 */
import { spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { pathToFileURL } from 'node:url';
import { TrafficFeeder } from '../shared/cli/src/embedded/traffic-feeder.js';
import { simulateTraffic } from '../shared/simulator/src/index.js';
import { createEmbeddedBus } from '../shared/stream/src/index.js';
import { median, type BenchResult } from './result.js';

const RUNS = Number(process.env.WEIR_START_RUNS ?? 3);
const SECONDS = Number(process.env.WEIR_START_SECONDS ?? 20);

/** Events/s (and events per CPU second) the feeder alone sends for `seconds`, as fast as simulated time allows. */
async function feederAlone(seconds: number): Promise<{ rate: number; perCpuSecond: number }> {
  const bus = createEmbeddedBus();
  const feeder = new TrafficFeeder({
    bus,
    registry: {},
    speed: 1_000_000,
    partitions: 3,
    traffic: simulateTraffic({ customers: 3, durationMs: 7 * 24 * 3_600_000, seed: 'start-bench' })[Symbol.iterator](),
  });
  const started = performance.now();
  const cpuAtStart = process.cpuUsage();
  while (performance.now() - started < seconds * 1000) await feeder.tick(Date.now());
  const rate = feeder.lines / ((performance.now() - started) / 1000);
  const cpu = process.cpuUsage(cpuAtStart);
  await feeder.close();
  await bus.close();
  return { rate, perCpuSecond: feeder.lines / ((cpu.user + cpu.system) / 1e6) };
}

interface StartReport {
  events: number;
  seconds: number;
  /** Absent from reports of `weir start` before it gave its CPU time. */
  cpuSeconds?: number;
  eventsPerSecond: Record<string, number>;
}

async function startRun(seconds: number): Promise<StartReport> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'shared/cli/src/main.ts', 'start', '--duration', `${seconds}s`, '--speed', '1000000', '--port', '0'], {
    cwd: new URL('..', import.meta.url).pathname,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  const last = output.trim().split('\n').at(-1) ?? '';
  if (code !== 0 || !last.startsWith('{')) throw new Error(`weir start exited ${code}:\n${output.slice(-2000)}`);
  return JSON.parse(last) as StartReport;
}

/** The 1-minute load average: on a shared machine, what the figures beside it were measured under. */
function loadAverage(): string {
  return loadavg()[0]!.toFixed(1);
}

export async function run(): Promise<BenchResult[]> {
  const caps: number[] = [];
  const capsPerCpu: number[] = [];
  const reports: StartReport[] = [];
  for (let i = 0; i < RUNS; i++) {
    process.stderr.write(`  simulator alone run ${i + 1}/${RUNS}\n`);
    const alone = await feederAlone(Math.min(10, SECONDS));
    caps.push(alone.rate);
    capsPerCpu.push(alone.perCpuSecond);
    process.stderr.write(`    ${Math.round(alone.rate)} events/s, ${Math.round(alone.perCpuSecond)} per CPU second, load average ${loadAverage()}\n`);
    process.stderr.write(`  weir start run ${i + 1}/${RUNS}\n`);
    const report = await startRun(SECONDS);
    const perCpu = report.cpuSeconds ? `, ${Math.round(sessionized(report) / report.cpuSeconds)} events per CPU second` : '';
    process.stderr.write(`    ${JSON.stringify(report.eventsPerSecond)}${perCpu}, load average ${loadAverage()}\n`);
    reports.push(report);
  }
  const cap = median(caps);
  const capPerCpu = median(capsPerCpu);
  const withCpu = reports.filter((r) => r.cpuSeconds);
  const stage = (name: string) => median(reports.map((r) => r.eventsPerSecond[name] ?? 0));
  return [
    { name: 'simulator alone (the cap of pnpm start)', value: cap, unit: 'events/s' },
    { name: 'pnpm start events/s (through sessionize)', value: stage('sessionize'), unit: 'events/s', baseline: { name: 'simulator alone (the cap of pnpm start)', value: cap } },
    { name: 'pnpm start events/s fed (ingest)', value: stage('ingest'), unit: 'events/s' },
    { name: 'pnpm start session records/s (window)', value: stage('window'), unit: 'records/s' },
    { name: 'pnpm start session records/s (score)', value: stage('score'), unit: 'records/s' },
    { name: 'simulator alone per CPU second', value: capPerCpu, unit: 'events/CPU-s' },
    ...(withCpu.length === 0
      ? []
      : [
          {
            name: 'pnpm start events per CPU second (through sessionize)',
            value: median(withCpu.map((r) => sessionized(r) / r.cpuSeconds!)),
            unit: 'events/CPU-s',
            baseline: { name: 'simulator alone per CPU second', value: capPerCpu },
          },
        ]),
  ];
}

/** Events through sessionize in a run (its rate over the run's seconds). */
function sessionized(report: StartReport): number {
  return (report.eventsPerSecond.sessionize ?? 0) * report.seconds;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { formatResult } = await import('./result.js');
  for (const result of await run()) console.log(formatResult(result));
}

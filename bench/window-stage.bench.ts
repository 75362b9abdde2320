/**
 * The window stage's own cost per session record, without a bus: its first phase (pieces, with
 * the partition's checkpoint after every batch) over simulated session records, in batches of
 * 100 (about what each partition gets in `pnpm start`), one customer per partition, on a plain
 * Map as its state. Baseline: the same records through the WindowBaseline alone (partial mode, no
 * stage, no checkpoint), so the ratio is what the stage and its checkpoints add to the windowing.
 * CPU time per run, median of WEIR_WINDOW_RUNS (9) after a warm-up run.
 *
 * `npx tsx bench/window-stage.bench.ts` runs it alone; `pnpm bench window-stage` with the result format.
 */
import { pathToFileURL } from 'node:url';
import type { SessionFeatures } from '../shared/contracts/src/index.js';
import { WindowBaseline } from '../shared/features/src/index.js';
import { windowStage, type WindowState } from '../shared/pipeline/src/index.js';
import type { InputRecord, StageContext } from '../shared/stream/src/index.js';
import { silentLogger } from '../shared/stream/src/index.js';
import { sessionRecords, simulatedEvents } from './pipeline.bench.js';
import { formatResult, median, type BenchResult } from './result.js';

const RUNS = Number(process.env.WEIR_WINDOW_RUNS ?? 9);
const BATCH = 100;

function contextFor(partition: number): StageContext<WindowState, unknown> {
  const map = new Map<string, WindowState>();
  let live: unknown;
  return {
    topic: 'weir.sessions',
    partition,
    log: silentLogger(),
    state: {
      get: (k) => map.get(k),
      has: (k) => map.has(k),
      set: (k, v) => void map.set(k, v),
      delete: (k) => void map.delete(k),
      entries: () => map.entries(),
      get size() {
        return map.size;
      },
    },
    live: { get: () => live, set: (v) => void (live = v) },
  };
}

/** CPU seconds of `work`. */
function cpuSeconds(work: () => void): number {
  const start = process.cpuUsage();
  work();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1e6;
}

function byCustomer(sessions: SessionFeatures[]): SessionFeatures[][] {
  const groups = new Map<string, SessionFeatures[]>();
  for (const s of sessions) {
    let group = groups.get(s.customer);
    if (!group) groups.set(s.customer, (group = []));
    group.push(s);
  }
  return [...groups.values()];
}

function stageRun(partitions: SessionFeatures[][]): void {
  const stage = windowStage();
  partitions.forEach((records, partition) => {
    const ctx = contextFor(partition);
    for (let i = 0; i < records.length; i += BATCH) {
      const batch = records.slice(i, i + BATCH).map(
        (value, j): InputRecord<SessionFeatures> => ({ topic: ctx.topic, partition, offset: i + j, key: Buffer.from(value.sessionId), value, headers: {}, timestamp: value.lastTime }),
      );
      const outputs = stage.process(batch, ctx as Parameters<typeof stage.process>[1]);
      if (!Array.isArray(outputs)) throw new Error('the window stage answered asynchronously');
    }
  });
}

function baselineRun(partitions: SessionFeatures[][]): void {
  for (const records of partitions) {
    const baseline = new WindowBaseline({ partials: true });
    for (const record of records) baseline.push(record);
  }
}

export async function run(): Promise<BenchResult[]> {
  const sessions = sessionRecords(simulatedEvents(Number(process.env.WEIR_BENCH_MINUTES ?? 15)));
  const partitions = byCustomer(sessions);
  process.stderr.write(`  ${sessions.length} session records, ${partitions.length} partitions, batches of ${BATCH}\n`);
  const stage: number[] = [];
  const alone: number[] = [];
  for (let run = 0; run <= RUNS; run++) {
    const s = cpuSeconds(() => stageRun(partitions));
    const b = cpuSeconds(() => baselineRun(partitions));
    // The first run warms the JIT up.
    if (run === 0) continue;
    stage.push(sessions.length / s);
    alone.push(sessions.length / b);
    process.stderr.write(`  run ${run}/${RUNS}: stage ${(s * 1e6 / sessions.length).toFixed(1)} us/record, WindowBaseline alone ${(b * 1e6 / sessions.length).toFixed(1)} us/record\n`);
  }
  return [
    {
      name: 'window stage records/s (logic and checkpoints, no bus, batches of 100)',
      value: median(stage),
      unit: 'records/s',
      baseline: { name: 'WindowBaseline alone', value: median(alone) },
    },
  ];
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  for (const result of await run()) console.log(formatResult(result));
}

/**
 * @weir/model inference throughput per TF.js backend: rows/s scoring a 32-feature pipeline (the
 * default 32-16-1 MLP) at batch 1 (a session scored as it updates) and batch 512 (a consumer
 * batch, or offline scoring), plus reasons/s (single-pass attribution of one row: gradient × input for this MLP). Every backend
 * that initialises here is measured — cpu, wasm, and node when @tensorflow/tfjs-node is installed —
 * median of 7 runs, backends interleaved run by run so machine noise hits them alike. Baseline:
 * the cpu backend in the same run.
 *
 * `npx tsx bench/inference.bench.ts` runs it alone; `pnpm bench inference` runs it with the others.
 */
import { pathToFileURL } from 'node:url';
import {
  availableBackends,
  selectBackend,
  untrainedPipeline,
  type BackendName,
  type ModelPipeline,
} from '../shared/model/src/index.js';
import { seededRandom } from './random.js';
import { formatResult, median, type BenchResult } from './result.js';

const FEATURES = 32;
const RUNS = 7;
/** Rows scored per timed run: enough for ~0.1–0.5 s on a slow core at each batch size. */
const ROWS_PER_RUN: Record<number, number> = { 1: 1_000, 512: 51_200 };
const REASON_ROWS_PER_RUN = 300;

/** Results are folded in here so no measured work can be optimised away. */
let sink = 0;

function progress(line: string): void {
  process.stderr.write(`  … ${line}\n`);
}

function scoreRowsPerSecond(pipeline: ModelPipeline, rows: number[][], batch: number): number {
  const total = ROWS_PER_RUN[batch] ?? batch * 100;
  const batches: number[][][] = [];
  for (let start = 0; start < rows.length; start += batch) batches.push(rows.slice(start, start + batch));
  const started = performance.now();
  let done = 0;
  for (let k = 0; done < total; k++) {
    const scores = pipeline.scoreBatch(batches[k % batches.length] as number[][]);
    sink += scores[0] as number;
    done += scores.length;
  }
  return done / ((performance.now() - started) / 1000);
}

function reasonsPerSecond(pipeline: ModelPipeline, rows: number[][]): number {
  const started = performance.now();
  for (let k = 0; k < REASON_ROWS_PER_RUN; k++) sink += pipeline.reasons(rows[k % rows.length] as number[], 3).length;
  return REASON_ROWS_PER_RUN / ((performance.now() - started) / 1000);
}

export async function run(): Promise<BenchResult[]> {
  const names = Array.from({ length: FEATURES }, (_, i) => (i < FEATURES / 2 ? `f${i}` : `f${i - FEATURES / 2}__rz`));
  const random = seededRandom('7');
  const rows = Array.from({ length: 2_048 }, () => names.map(() => random() * 6 - 3));

  const backends = await availableBackends();
  progress(`backends here: ${backends.join(', ')}`);
  const pipelines = new Map<BackendName, ModelPipeline>();
  for (const backend of backends) {
    await selectBackend(backend);
    // Built on its own backend, from the same seed: the same network everywhere.
    pipelines.set(backend, await untrainedPipeline({ names, fingerprint: 'bench', seed: 1 }));
  }

  const cases = [
    ...[1, 512].map((batch) => ({
      label: `batch ${batch}`,
      unit: 'rows/s',
      measure: (p: ModelPipeline) => scoreRowsPerSecond(p, rows, batch),
    })),
    { label: 'reasons, 1 row', unit: 'rows/s', measure: (p: ModelPipeline) => reasonsPerSecond(p, rows) },
  ];
  const results: BenchResult[] = [];
  for (const c of cases) {
    const samples = new Map<BackendName, number[]>(backends.map((b) => [b, []]));
    for (let runIndex = 1; runIndex <= RUNS; runIndex++) {
      progress(`${c.label}: run ${runIndex}/${RUNS}`);
      for (const backend of backends) {
        await selectBackend(backend);
        const pipeline = pipelines.get(backend) as ModelPipeline;
        c.measure(pipeline); // warm-up after the switch: kernels, weight upload
        samples.get(backend)?.push(c.measure(pipeline));
      }
    }
    const cpu = median(samples.get('cpu') ?? [Number.NaN]);
    for (const backend of backends) {
      const value = median(samples.get(backend) ?? []);
      const name = `inference ${backend} ${c.label}`;
      results.push(
        backend === 'cpu'
          ? { name, value, unit: c.unit }
          : { name, value, unit: c.unit, baseline: { name: `inference cpu ${c.label}`, value: cpu } },
      );
    }
  }
  for (const pipeline of pipelines.values()) pipeline.dispose();
  await selectBackend('cpu');
  if (sink === 0.5) console.log(sink);
  return results;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const result of await run()) console.log(formatResult(result));
}

/**
 * Reasons for the shipped model (models/default) on the sessions of a simulated log that it flags:
 * rows/s of the single-pass attribution the score stage uses, against occlusion (a forward pass
 * per feature group) in the same run, and how far their reasons agree (top-1: same first feature;
 * top-3: shared share of the first three), grouped as the score stage reports them. Median of 5.
 *
 * `npx tsx bench/reasons.bench.ts` runs it alone; `pnpm bench reasons` runs it with the others.
 */
import { pathToFileURL } from 'node:url';
import { featureSetFingerprint } from '../shared/features/src/index.js';
import { loadModelPipeline, reasonAgreement } from '../shared/model/src/index.js';
import { DEFAULT_MODEL_DIR, MODEL_INPUT_NAMES, OfflinePipeline, modelRow, reasonFeatureOf, type FinalSession } from '../shared/pipeline/src/index.js';
import { simulatedEvents } from './pipeline.bench.js';
import { formatResult, median, type BenchResult } from './result.js';

const RUNS = 5;
const REASONS = 5;

export async function run(): Promise<BenchResult[]> {
  const offline = new OfflinePipeline();
  const finals: FinalSession[] = [];
  for (const event of simulatedEvents(Number(process.env.WEIR_BENCH_MINUTES ?? 45))) finals.push(...offline.push(event));
  finals.push(...offline.finish());
  const pipeline = await loadModelPipeline(DEFAULT_MODEL_DIR, { fingerprint: featureSetFingerprint });
  try {
    const rows = pipeline.align({ names: MODEL_INPUT_NAMES, rows: finals.map((f) => modelRow(f.session, f.baseline).values) });
    const scores = pipeline.scoreBatch(rows);
    const flagged = rows.filter((_, i) => pipeline.label(scores[i] as number) !== 'human');
    process.stderr.write(`  ${finals.length} sessions, ${flagged.length} flagged (${pipeline.reasonMethod} against occlusion)\n`);
    const rate = (explain: () => unknown) => {
      const rates: number[] = [];
      for (let run = 0; run < RUNS; run++) {
        const started = performance.now();
        explain();
        rates.push(flagged.length / ((performance.now() - started) / 1000));
      }
      return median(rates);
    };
    const occlusionRate = rate(() => pipeline.occlusionReasonsBatch(flagged, REASONS, reasonFeatureOf));
    const singleRate = rate(() => pipeline.reasonsBatch(flagged, REASONS, reasonFeatureOf));
    const agreement = reasonAgreement(pipeline.reasonsBatch(flagged, REASONS, reasonFeatureOf), pipeline.occlusionReasonsBatch(flagged, REASONS, reasonFeatureOf), 3);
    return [
      { name: 'reasons, shipped model (occlusion)', value: occlusionRate, unit: 'rows/s' },
      { name: `reasons, shipped model (${pipeline.reasonMethod})`, value: singleRate, unit: 'rows/s', baseline: { name: 'reasons, shipped model (occlusion)', value: occlusionRate } },
      { name: `reasons agreement with occlusion, top-1 (${agreement.rows} flagged sessions)`, value: agreement.top1, unit: 'share' },
      { name: 'reasons agreement with occlusion, top-3 overlap', value: agreement.topK, unit: 'share' },
    ];
  } finally {
    pipeline.dispose();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  for (const result of await run()) console.log(formatResult(result));
}

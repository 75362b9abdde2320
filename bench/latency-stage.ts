/**
 * One stage of the latency benchmark's pipeline, as its own process on the real broker (one
 * process per stage, as deployed): `npx tsx bench/latency-stage.ts <sessionize|window|score>`,
 * configured by the environment the bench passes (WEIR_LATENCY_CONFIG: JSON of LatencyStageConfig).
 * Prints `ready` once its consumer has joined, and stops on SIGTERM.
 */
import { featureSetFingerprint } from '../shared/features/src/index.js';
import { loadModelPipeline, selectBackend } from '../shared/model/src/index.js';
import { DEFAULT_MODEL_DIR, ModelScorer, runScore, runSessionize, runWindow } from '../shared/pipeline/src/index.js';
import { createBusFromEnv, silentLogger } from '../shared/stream/src/index.js';

export interface LatencyStageConfig {
  namespace: string;
  /** The bench's log topics (its own customers). */
  logsPattern: string;
  partitions: number;
  sessionizer: { gapMs: number; allowedLatenessMs: number; updateEveryEvents: number; updateAfterMs: number };
  window: { sizeMs: number; allowedLatenessMs: number };
  tickIntervalMs: number;
}

const stage = process.argv[2];
const config = JSON.parse(process.env.WEIR_LATENCY_CONFIG ?? '{}') as LatencyStageConfig;
const bus = await createBusFromEnv(undefined, { ...process.env, WEIR_BUS: 'kafka' });
const abort = new AbortController();
process.once('SIGTERM', () => abort.abort());
const common = {
  bus,
  signal: abort.signal,
  namespace: config.namespace,
  groupId: `${config.namespace}-${stage}`,
  partitions: config.partitions,
  tickIntervalMs: config.tickIntervalMs,
  handleSignals: false,
  logger: silentLogger(),
  onStarted: () => console.log('ready'),
};
if (stage === 'sessionize') {
  await runSessionize({ ...common, input: new RegExp(config.logsPattern), stage: { sessionizer: config.sessionizer } });
} else if (stage === 'window') {
  await runWindow({ ...common, stage: { window: config.window } });
} else if (stage === 'score') {
  await selectBackend('wasm');
  const model = await loadModelPipeline(DEFAULT_MODEL_DIR, { fingerprint: featureSetFingerprint });
  const scorer = new ModelScorer(() => model);
  await runScore({ ...common, stage: { scorer: () => scorer, thresholds: () => model.thresholds } });
  model.dispose();
} else {
  throw new Error(`unknown stage ${String(stage)}: sessionize, window or score`);
}
await bus.close();

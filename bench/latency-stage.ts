/**
 * One stage of the latency benchmark's pipeline, as its own process on the real broker (one
 * process per stage, as deployed): `npx tsx bench/latency-stage.ts <sessionize|window|score>`,
 * configured by the environment the bench passes (WEIR_LATENCY_CONFIG: JSON of LatencyStageConfig).
 * Prints `ready` once its consumer has joined, and stops on SIGTERM.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { featureSetFingerprint } from '../shared/features/src/index.js';
import { loadModelPipeline, selectBackend } from '../shared/model/src/index.js';
import { DEFAULT_MODEL_DIR, ModelScorer, runScore, runSessionize, runWindow } from '../shared/pipeline/src/index.js';
import { createBusFromEnv, silentLogger, type BatchHandler, type Bus } from '../shared/stream/src/index.js';

export interface LatencyStageConfig {
  namespace: string;
  /** The bench's log topics (its own customers). */
  logsPattern: string;
  partitions: number;
  sessionizer: { gapMs: number; allowedLatenessMs: number; updateEveryEvents: number; updateAfterMs: number };
  window: { sizeMs: number; allowedLatenessMs: number };
  tickIntervalMs: number;
}

/** Per input topic: a record's wait from its send to the handler, and each batch's time in the handler. */
const waited = new Map<string, number[]>();
const held = new Map<string, number[]>();
/** How late the event loop ran its timers: a stage busy (or starved of CPU) delays every record it holds. */
const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();
const stage = process.argv[2];
const config = JSON.parse(process.env.WEIR_LATENCY_CONFIG ?? '{}') as LatencyStageConfig;
const bus = timedDeliveries(await createBusFromEnv(undefined, { ...process.env, WEIR_BUS: 'kafka' }));
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
loopDelay.disable();
const ms = (ns: number) => Math.round(ns / 1e6);
console.log(`hop ${stage}: ${describeDeliveries()}; event loop delay p50 ${ms(loopDelay.percentile(50))} / p99 ${ms(loopDelay.percentile(99))} / max ${ms(loopDelay.max)} ms`);

/**
 * Per input topic: how long a record waited between its producer's send (its timestamp) and this
 * stage's handler, and how long the handler held its batch (the client fetches no more for the
 * partition meanwhile). Printed when the stage stops: the bench's split of the latency by hop.
 */
function timedDeliveries(bus: Bus): Bus {
  const consumer = bus.consumer.bind(bus);
  bus.consumer = (options) => {
    const made = consumer(options);
    const run = made.run.bind(made);
    made.run = (handler: BatchHandler) =>
      run(async (batch) => {
        const at = Date.now();
        const waits = listOf(waited, batch.topic);
        for (const m of batch.messages) waits.push(at - m.timestamp);
        try {
          await handler(batch);
        } finally {
          listOf(held, batch.topic).push(Date.now() - at);
        }
      });
    return made;
  };
  return bus;
}


function listOf(lists: Map<string, number[]>, topic: string): number[] {
  // Log topics are one per customer: one entry for them all.
  const name = topic.startsWith('weir.logs.') ? 'weir.logs.*' : topic.slice(config.namespace.length + 1);
  let list = lists.get(name);
  if (list === undefined) lists.set(name, (list = []));
  return list;
}

function describeDeliveries(): string {
  const q = (list: number[], f: number) => list[Math.min(list.length - 1, Math.floor(f * list.length))] ?? Number.NaN;
  return [...waited.entries()]
    .map(([topic, waits]) => {
      const holds = held.get(topic) ?? [];
      waits.sort((a, b) => a - b);
      holds.sort((a, b) => a - b);
      return `${topic}: send → handler p50 ${q(waits, 0.5)} / p99 ${q(waits, 0.99)} ms (${waits.length} records); batch held p50 ${q(holds, 0.5)} / p99 ${q(holds, 0.99)} ms (${holds.length} batches)`;
    })
    .join('; ');
}

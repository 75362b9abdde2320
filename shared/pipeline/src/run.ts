import {
  LOGS_TOPIC_PATTERN,
  SESSIONS_TOPIC,
  createSerde,
  serdeConfigFromEnv,
  type SerdeConfig,
  type RequestEvent,
  type ScoreRecord,
  type SessionFeatures,
  type WindowSummary,
} from '@weir/contracts';
import {
  noopMetrics,
  runStage,
  silentLogger,
  stageSerde,
  type Bus,
  type DeliveryGuarantee,
  type Logger,
  type StageHealth,
  type StageMetrics,
} from '@weir/stream';
import { scoreStage, type ScoreStageOptions } from './score-stage.js';
import { sessionizeStage, type SessionizeStageOptions } from './sessionize-stage.js';
import { ensurePipelineTopics } from './topics.js';
import { followWindows } from './window-follower.js';
import { windowStage, type WindowStageOptions } from './window-stage.js';
import { WindowTable } from './window-table.js';

/** What every stage needs from its deployment, whether a service process or the single-process mode. */
export interface StageRunOptions {
  bus: Bus;
  /** Which schema registry the records are framed with; from the environment by default. */
  registry?: SerdeConfig;
  /** Stops the stage gracefully (finish the batch, commit, leave the group). */
  signal: AbortSignal;
  /** Consumer group; default `weir-<stage>`. */
  groupId?: string;
  delivery?: DeliveryGuarantee;
  logger?: Logger;
  metrics?: StageMetrics;
  /** Told while the stage waits for a dependency; a service's readiness check. */
  health?: StageHealth;
  /** Partitions of the topics this creates. */
  partitions?: number;
  batch?: { maxRecords?: number; maxBytes?: number };
  tickIntervalMs?: number;
  /** Default true for a service; the single-process mode handles signals once for all stages. */
  handleSignals?: boolean;
  onStarted?: () => void;
}

function registryOf(options: StageRunOptions): SerdeConfig {
  return options.registry ?? serdeConfigFromEnv();
}

function common(options: StageRunOptions, stage: string) {
  return {
    bus: options.bus,
    groupId: options.groupId ?? `weir-${stage}`,
    signal: options.signal,
    delivery: options.delivery ?? 'at-least-once',
    logger: options.logger ?? silentLogger(),
    metrics: options.metrics ?? noopMetrics,
    handleSignals: options.handleSignals ?? true,
    ...(options.health ? { health: options.health } : {}),
    ...(options.batch ? { batch: options.batch } : {}),
    ...(options.tickIntervalMs !== undefined ? { tickIntervalMs: options.tickIntervalMs } : {}),
    ...(options.onStarted ? { onStarted: options.onStarted } : {}),
  };
}

/** `weir.logs.*` → sessionize → `weir.sessions`, with the open sessions checkpointed to a changelog. */
export async function runSessionize(options: StageRunOptions & { stage?: SessionizeStageOptions }): Promise<void> {
  await ensurePipelineTopics(options.bus, { partitions: options.partitions });
  await runStage({
    ...common(options, 'sessionize'),
    input: LOGS_TOPIC_PATTERN,
    stage: sessionizeStage(options.stage),
    serde: stageSerde(createSerde<RequestEvent>(registryOf(options)), createSerde<SessionFeatures>(registryOf(options))),
    state: { name: 'sessions' },
  });
}

/** `weir.sessions` → window baseline → `weir.windows`, with the open windows checkpointed. */
export async function runWindow(options: StageRunOptions & { stage?: WindowStageOptions }): Promise<void> {
  await ensurePipelineTopics(options.bus, { partitions: options.partitions });
  await runStage({
    ...common(options, 'window'),
    input: [SESSIONS_TOPIC],
    stage: windowStage(options.stage),
    serde: stageSerde(createSerde<SessionFeatures>(registryOf(options)), createSerde<WindowSummary>(registryOf(options))),
    state: { name: 'windows' },
  });
}

export interface ScoreRunOptions extends StageRunOptions {
  stage: Omit<ScoreStageOptions, 'windows'>;
  /** Told of every window summary the score stage reads (e.g. for a dashboard). */
  onWindow?: (summary: WindowSummary) => void;
  table?: WindowTable;
}

/**
 * `weir.sessions` ⋈ `weir.windows` → scorer → `weir.scores`. The windows topic is read in full
 * as a table before the first session is scored.
 */
export async function runScore(options: ScoreRunOptions): Promise<void> {
  await ensurePipelineTopics(options.bus, { partitions: options.partitions });
  const table = options.table ?? new WindowTable();
  const follower = await followWindows({
    bus: options.bus,
    serde: createSerde<WindowSummary>(registryOf(options)),
    table,
    ...(options.onWindow ? { onSummary: options.onWindow } : {}),
  });
  try {
    await runStage({
      ...common(options, 'score'),
      input: [SESSIONS_TOPIC],
      stage: scoreStage({ ...options.stage, windows: table }),
      serde: stageSerde(createSerde<SessionFeatures>(registryOf(options)), createSerde<ScoreRecord>(registryOf(options))),
      state: { name: 'waiting' },
    });
  } finally {
    await follower.stop();
  }
}

/**
 * The one wiring of the streaming stages: topics, serdes, groups, state and the runner for
 * sessionize, window and score. The services (services/*), `weir start`, the parity tests and the
 * benchmarks all call these, with their own configuration, so what the tests prove is what ships.
 */
import {
  LOGS_TOPIC_PATTERN,
  SCORES_TOPIC,
  SESSIONS_TOPIC,
  WINDOWS_TOPIC,
  WINDOW_PARTIALS_TOPIC,
  createSerde,
  serdeConfigFromEnv,
  type SerdeConfig,
  type RequestEvent,
  type ScoreRecord,
  type SessionFeatures,
  type WindowPartial,
  type WindowSummary,
} from '@weir/contracts';
import {
  changelogTopicName,
  noopMetrics,
  retryUntil,
  runStage,
  silentLogger,
  stageSerde,
  type Bus,
  type DeliveryGuarantee,
  type Logger,
  type StageHealth,
  type StageMetrics,
} from '@weir/stream';
import { refusingPartitionChanges } from './partition-watch.js';
import { scoreStage, type ScoreStageOptions } from './score-stage.js';
import { sessionizeStage, type SessionizeStageOptions } from './sessionize-stage.js';
import { sessionizeStateCodec } from './sessionize-state-codec.js';
import { ensurePipelineTopics, namespacedSerde, topicIn } from './topics.js';
import { followWindows, type WindowFollower } from './window-follower.js';
import { windowStage, type WindowStageOptions } from './window-stage.js';
import { WindowTable, type WindowTableOptions } from './window-table.js';

/** What every stage needs from its deployment, whether a service process or the single-process mode. */
export interface StageRunOptions {
  bus: Bus;
  /** Which schema registry the records are framed with; from the environment by default. */
  registry?: SerdeConfig;
  /** Stops the stage gracefully (finish the batch, commit, leave the group). */
  signal: AbortSignal;
  /** Consumer group; default `weir-<stage>` (the services: `<WEIR_GROUP_PREFIX>-<stage>`). */
  groupId?: string;
  /** Prefix of the pipeline's own topics (`<ns>.weir.sessions`); default none. Log topics keep their names. */
  namespace?: string | undefined;
  delivery?: DeliveryGuarantee;
  logger?: Logger;
  metrics?: StageMetrics;
  /** Told while the stage waits for a dependency; a service's readiness check. */
  health?: StageHealth;
  /** Partitions of the topics this creates. */
  partitions?: number;
  batch?: { maxRecords?: number; maxBytes?: number };
  tickIntervalMs?: number;
  /** Default true; a service, and the single-process mode, handle signals once for all stages. */
  handleSignals?: boolean;
  onStarted?: () => void;
  /** How often the partition counts the stage read at its start are checked (see partition-watch.ts). Default 30 s. */
  partitionWatchMs?: number;
}

function registryOf(options: StageRunOptions): SerdeConfig {
  return options.registry ?? serdeConfigFromEnv();
}

/** The pipeline's own topics' serde (namespaced names, plain schemas). */
function pipelineSerde<T>(options: StageRunOptions) {
  return namespacedSerde<T>(options.namespace, {}, registryOf(options));
}

function watching(options: StageRunOptions) {
  return {
    bus: options.bus,
    signal: options.signal,
    logger: options.logger ?? silentLogger(),
    metrics: options.metrics ?? noopMetrics,
    ...(options.partitionWatchMs !== undefined ? { intervalMs: options.partitionWatchMs } : {}),
  };
}

async function prepare(options: StageRunOptions): Promise<void> {
  await ensurePipelineTopics(options.bus, { partitions: options.partitions, namespace: options.namespace });
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

export interface SessionizeRunOptions extends StageRunOptions {
  /**
   * The output topic is the namespace's `weir.sessions`, whatever `stage.topic` says; the
   * partition counts of the progress records are read from the topics.
   */
  stage?: Omit<SessionizeStageOptions, 'topic' | 'progress'> & { progress?: { idleAfterMs?: number } };
  /** Log topics to read, including ones created later; default every `weir.logs.*`. */
  input?: RegExp;
}

/** `weir.logs.*` → sessionize → `weir.sessions`, with the open sessions checkpointed to a changelog. */
export async function runSessionize(options: SessionizeRunOptions): Promise<void> {
  await prepare(options);
  const stage = common(options, 'sessionize');
  const sessions = topicIn(options.namespace, SESSIONS_TOPIC);
  const sessionsPartitions = await options.bus.admin.partitionCount(sessions);
  const progress = {
    ...options.stage?.progress,
    sessionsPartitions,
    logPartitions: (topic: string) => options.bus.admin.partitionCount(topic),
  };
  // weir.sessions too: every partition of it gets every progress record.
  const watched = [sessions, changelogTopicName(stage.groupId, 'sessions')];
  await refusingPartitionChanges(watching(options), watched, new Map([[sessions, sessionsPartitions]]), (signal) =>
    runStage({
      ...stage,
      signal,
      input: options.input ?? LOGS_TOPIC_PATTERN,
      stage: sessionizeStage({ ...options.stage, topic: sessions, progress }),
      serde: stageSerde(createSerde<RequestEvent>(registryOf(options)), pipelineSerde<SessionFeatures>(options)),
      state: { name: 'sessions', codec: sessionizeStateCodec() },
    }),
  );
}

export interface WindowRunOptions extends StageRunOptions {
  /** The output topics are the namespace's `weir.window-partials` and `weir.windows`; the partition counts are read from the topics. */
  stage?: Omit<WindowStageOptions, 'topic' | 'partialsTopic' | 'sessionPartitions' | 'partialsPartitions'>;
}

/**
 * `weir.sessions` → each partition's pieces of the window baselines → `weir.window-partials` →
 * merged per customer → `weir.windows`, in one group reading both topics, with the open windows
 * and the merges checkpointed.
 */
export async function runWindow(options: WindowRunOptions): Promise<void> {
  await prepare(options);
  const sessions = topicIn(options.namespace, SESSIONS_TOPIC);
  const partials = topicIn(options.namespace, WINDOW_PARTIALS_TOPIC);
  const [sessionPartitions, partialsPartitions] = await Promise.all(
    [sessions, partials].map(async (topic) => (await options.bus.admin.fetchTopicOffsets(topic)).length),
  );
  const stage = common(options, 'window');
  const read = new Map([[sessions, sessionPartitions!], [partials, partialsPartitions!]]);
  await refusingPartitionChanges(watching(options), [sessions, partials, changelogTopicName(stage.groupId, 'windows')], read, (signal) =>
    runStage({
      ...stage,
      signal,
      input: [sessions, partials],
      stage: windowStage({ ...options.stage, topic: topicIn(options.namespace, WINDOWS_TOPIC), partialsTopic: partials, sessionPartitions, partialsPartitions }),
      serde: stageSerde(pipelineSerde<SessionFeatures | WindowPartial>(options), pipelineSerde<WindowPartial | WindowSummary>(options)),
      state: { name: 'windows' },
    }),
  );
}

export interface ScoreRunOptions extends StageRunOptions {
  /** The output topic is the namespace's `weir.scores`. */
  stage: Omit<ScoreStageOptions, 'windows' | 'topic'>;
  /** Told of every window summary the score stage reads (e.g. for a dashboard). */
  onWindow?: (summary: WindowSummary) => void;
  /** How long the window table keeps windows, and its bound (see WindowTable). */
  windows?: WindowTableOptions;
  table?: WindowTable;
}

/** Attempts to start following `weir.windows` before giving up. */
const FOLLOW_ATTEMPTS = 6;

/**
 * Starts following `weir.windows`, retried a few times: kafkajs's fetchTopicOffsets fails with a
 * TypeError ("Cannot destructure property 'partitions' of 'low.pop(...)'", kafkajs issue #461)
 * while a topic created a moment ago is not in its metadata yet — every service starting at once
 * on a new cluster creates the pipeline topics a moment before this runs.
 */
function startFollowing(options: ScoreRunOptions, table: WindowTable): Promise<WindowFollower> {
  const logger = options.logger ?? silentLogger();
  return retryUntil(
    () =>
      followWindows({
        bus: options.bus,
        serde: pipelineSerde<WindowSummary>(options),
        table,
        topic: topicIn(options.namespace, WINDOWS_TOPIC),
        ...(options.onWindow ? { onSummary: options.onWindow } : {}),
        signal: options.signal,
      }),
    {
      policy: { initialMs: 500, maxMs: 5_000 },
      maxAttempts: FOLLOW_ATTEMPTS,
      signal: options.signal,
      retryable: () => true,
      onRetry: (err, attempt) => logger.warn({ err, attempt }, 'cannot read the window summaries yet; retrying'),
    },
  );
}

/**
 * `weir.sessions` ⋈ `weir.windows` → scorer → `weir.scores`. The windows topic is read in full
 * as a table before the first session is scored.
 */
export async function runScore(options: ScoreRunOptions): Promise<void> {
  await prepare(options);
  const table = options.table ?? new WindowTable(options.windows);
  const follower = await startFollowing(options, table);
  try {
    const stage = common(options, 'score');
    const watched = [topicIn(options.namespace, WINDOWS_TOPIC), changelogTopicName(stage.groupId, 'waiting')];
    await refusingPartitionChanges(watching(options), watched, new Map(), (signal) =>
      runStage({
        ...stage,
        signal,
        input: [topicIn(options.namespace, SESSIONS_TOPIC)],
        stage: scoreStage({ ...options.stage, windows: table, topic: topicIn(options.namespace, SCORES_TOPIC) }),
        serde: stageSerde(pipelineSerde<SessionFeatures>(options), pipelineSerde<ScoreRecord>(options)),
        state: { name: 'waiting' },
      }),
    );
  } finally {
    await follower.stop();
  }
}

/**
 * The score service's settings, from the environment (the bus's KAFKA_* and WEIR_BUS are read by
 * @weir/stream, SCHEMA_REGISTRY_* by @weir/contracts, ELASTICSEARCH_* and WEIR_ES_* by the sink's
 * own config, checked here too so that one start-up lists every problem).
 */
import { BACKEND_CHOICES, type BackendChoice } from '@weir/model';
import { existsSync } from 'node:fs';
import type { Thresholds } from '@weir/pipeline';
import { portEnv, connectionProblems, groupPrefixEnv, namespaceEnv, shutdownTimeoutEnv } from '@weir/service';
import { env, EnvVar, isStreamError, parseEnv, type DeliveryGuarantee } from '@weir/stream';
import { esSinkConfigFromEnv, type EsSinkConfig } from './elasticsearch/index.js';
import { parseCustomerThresholds, parseThresholds } from './thresholds.js';

export const scoreEnv = {
  port: portEnv(9090),
  modelDir: env.string('WEIR_MODEL_DIR', { expected: 'path of a model pipeline directory' }).optional().describe('Model to score with, reloaded when it changes (unset: models/default if present, else the statistical baseline scorer)'),
  shadowModelDir: env.string('WEIR_SHADOW_MODEL_DIR', { expected: 'path of a model pipeline directory' }).optional().describe('Second model scored alongside, its scores published with shadow: true'),
  modelBackend: env
    .oneOf('WEIR_MODEL_BACKEND', BACKEND_CHOICES)
    .default('auto')
    .describe('TF.js backend of the models: auto takes the fastest that starts here (node, then wasm, then cpu); weir score picks the same way'),
  modelPoll: env.duration('WEIR_MODEL_POLL', { min: '100ms' }).default('5s').describe('How often the model directories are checked for a new model'),
  thresholds: EnvVar.of('WEIR_THRESHOLDS', 'suspicious=0.5,bot=0.8', parseThresholds).optional().describe('Score thresholds of the suspicious and bot labels (unset: the model ones)'),
  customerThresholds: EnvVar.of('WEIR_CUSTOMER_THRESHOLDS', 'customer:suspicious=0.6,bot=0.9;other:...', parseCustomerThresholds).optional().describe('Thresholds per customer, overriding WEIR_THRESHOLDS'),
  maxWait: env.duration('WEIR_SCORE_MAX_WAIT', { min: '1s' }).default('5m').describe('Longest a closed session waits (wall clock) for its window to close before a provisional score (closed false) against the newest baseline there is; its final score still waits for the window'),
  windowRetention: env
    .duration('WEIR_SCORE_WINDOW_RETENTION', { min: '1s' })
    .default('271m')
    .describe('How long (event time) a window summary is kept after its end for closing sessions to meet: at least WEIR_SESSION_MAX_DURATION (or WEIR_SESSION_GAP) plus WEIR_SESSION_LATENESS'),
  maxWindows: env.int('WEIR_SCORE_WINDOWS_MAX', { min: 1 }).default(20_000).describe('Most window summaries kept per customer, whatever their age (memory bound); the oldest beyond it are dropped and counted'),
  delivery: env.oneOf('WEIR_DELIVERY', ['at-least-once', 'exactly-once']).default('at-least-once').describe('Delivery guarantee; at-least-once produces then commits, exactly-once uses Kafka transactions'),
  elasticsearchUrl: env.string('ELASTICSEARCH_URL', { expected: 'http(s)://host:port, comma-separated' }).optional().describe('Elasticsearch nodes: when set, scores are also indexed there (the WEIR_ES_* and ELASTICSEARCH_* variables then apply)'),
  groupPrefix: groupPrefixEnv,
  shutdownTimeout: shutdownTimeoutEnv,
  namespace: namespaceEnv,
};

export interface ScoreConfig {
  port: number;
  /** Bound on the graceful stop after SIGTERM (WEIR_SHUTDOWN_TIMEOUT). */
  shutdownTimeoutMs: number;
  /** The score stage's group; the Elasticsearch copy runs as `<groupId>-es`. */
  groupId: string;
  delivery: DeliveryGuarantee;
  namespace: string | undefined;
  modelDir: string | undefined;
  shadowModelDir: string | undefined;
  modelPollMs: number;
  modelBackend: BackendChoice;
  /** Longest a closed session waits for its window's final summary. */
  maxWaitMs: number;
  /** Event time a window is kept after its end, and the most kept per customer. */
  windowRetentionMs: number;
  maxWindowsPerCustomer: number;
  thresholds: Thresholds | undefined;
  customerThresholds: Record<string, Thresholds>;
  /** Set when ELASTICSEARCH_URL is. */
  elasticsearch: EsSinkConfig | null;
}

/** Throws a WEIR_CONFIG StreamError listing every problem. */
export function loadScoreConfig(source: NodeJS.ProcessEnv = process.env): ScoreConfig {
  const { values: v, problems, valid } = parseEnv(scoreEnv, source);
  for (const [name, dir] of [['WEIR_MODEL_DIR', v.modelDir], ['WEIR_SHADOW_MODEL_DIR', v.shadowModelDir]] as const) {
    if (dir !== undefined && !existsSync(dir)) problems.push(`${name}=${JSON.stringify(dir)} does not exist`);
  }
  let elasticsearch: EsSinkConfig | null = null;
  if (v.elasticsearchUrl !== undefined) {
    try {
      elasticsearch = esSinkConfigFromEnv(source);
    } catch (err) {
      if (!isStreamError(err, 'WEIR_CONFIG')) throw err;
      problems.push(...err.problems.filter((p) => !problems.includes(p)));
    }
  }
  problems.push(...connectionProblems(source));
  const c = valid();
  return {
    port: c.port,
    shutdownTimeoutMs: c.shutdownTimeout,
    groupId: `${c.groupPrefix}-score`,
    delivery: c.delivery,
    namespace: c.namespace,
    modelDir: c.modelDir,
    shadowModelDir: c.shadowModelDir,
    modelPollMs: c.modelPoll,
    modelBackend: c.modelBackend,
    maxWaitMs: c.maxWait,
    windowRetentionMs: c.windowRetention,
    maxWindowsPerCustomer: c.maxWindows,
    thresholds: c.thresholds,
    customerThresholds: c.customerThresholds ?? {},
    elasticsearch,
  };
}

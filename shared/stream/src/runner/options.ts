import type { Logger } from 'pino';
import type { Bus } from '../bus.js';
import type { StageHealth } from '../health.js';
import type { StageMetrics } from '../metrics.js';
import type { RetryPolicy } from '../retry.js';
import type { StageSerde } from '../serde.js';
import type { Stage } from '../stage.js';
import type { StateCodec } from '../state/codec.js';

export type DeliveryGuarantee = 'at-least-once' | 'exactly-once';

export interface StateOptions<S> {
  /** Names the changelog topic: `<groupId>.<name>.changelog`. */
  name: string;
  /** How values are written to the changelog; JSON by default. */
  codec?: StateCodec<S>;
  /**
   * Partitions of the changelog topic when this run creates it (an existing one keeps its
   * count). Default: the input topics' largest partition count, or 6 for a pattern.
   */
  changelogPartitions?: number;
}

export interface RunStageOptions<In, Out, S = never, L = never> {
  bus: Bus;
  /** Consumer group; also names the dead-letter topic, the changelog and the transactional ids. */
  groupId: string;
  /** Topic names, or a pattern that also picks up topics created later. */
  input: string[] | RegExp;
  stage: Stage<In, Out, S, L>;
  serde: StageSerde<In, Out>;
  /** Default at-least-once. */
  delivery?: DeliveryGuarantee;
  /** Keyed state per input partition, checkpointed to a changelog; without it the stage has none. */
  state?: StateOptions<S>;
  /** Default `<groupId>.dlq`; created (1 partition) when missing. */
  deadLetterTopic?: string;
  /** Most records and bytes handed to one `process` call (and committed together). Default 500 / 1 MiB. */
  batch?: { maxRecords?: number; maxBytes?: number };
  /**
   * Partitions processed at once: the bound on in-flight work. Default 16, enough for every
   * partition a member owns here: with fewer, the partitions left out wait for a slot while the
   * others wait for their broker round trips.
   */
  concurrency?: number;
  /**
   * At-least-once: chunk writes of a partition in flight at once, each chunk processed while the
   * ones before it are produced. Default 16; 1 where the client may reorder concurrent sends
   * (BusProducer.ordersSends), and under exactly-once (one transaction at a time).
   */
  writesInFlight?: number;
  /** How often `stage.onTick` runs for each owned partition. Default 1000 ms. */
  tickIntervalMs?: number;
  /** Where partitions without a committed offset start. Default earliest. */
  startFrom?: 'earliest' | 'latest';
  /** Stops the run gracefully when aborted. */
  signal?: AbortSignal;
  /** Also stop on SIGTERM and SIGINT. Default true. */
  handleSignals?: boolean;
  metrics?: StageMetrics;
  /** Told while the stage waits for a dependency (registry, broker...): its check is a readiness check. */
  health?: StageHealth;
  logger?: Logger;
  /**
   * Backoff for what a dependency outage stops: produce, commit and transaction retries, and
   * chunks whose processing hit a transient error (isTransient), retried until they pass.
   */
  retry?: RetryPolicy;
  /** Forwarded to the consumer group (Kafka). */
  sessionTimeoutMs?: number;
  /** Called once the consumer has joined its group and started. */
  onStarted?: () => void;
}

export const DEFAULTS = {
  maxRecords: 500,
  maxBytes: 1024 * 1024,
  concurrency: 16,
  writesInFlight: 16,
  tickIntervalMs: 1000,
  patternChangelogPartitions: 6,
} as const;

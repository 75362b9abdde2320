/**
 * What the runner reports, as an interface (so tests and other backends can listen) and its
 * prom-client implementation. Metric names carry the stage as a label, so several stages in one
 * process (the single-process mode) share one registry.
 */
import { Counter, Gauge, Histogram, register as defaultRegistry, type Registry } from 'prom-client';
import { StreamError } from './errors.js';

export interface StageMetrics {
  recordsIn(topic: string, count: number): void;
  recordsOut(topic: string, count: number): void;
  deadLetters(reason: string, count: number): void;
  /** Records behind the end of the partition after a batch; `null` forgets the partition. */
  lag(topic: string, partition: number, lag: number | null): void;
  /** One processed batch: records in it and seconds from decode to commit. */
  batch(records: number, seconds: number): void;
  /** A produce, commit, transaction or (for a dependency outage) batch that failed and will be tried again. */
  retry(operation: string): void;
  /** Whether the stage is holding its records, waiting for a dependency to answer `operation` again. */
  waiting(operation: string, waiting: boolean): void;
  /** Keys restored into a partition's state, and how long it took. */
  restore(records: number, seconds: number): void;
  /** A topic's partition count changed while the stage ran (it stops: WEIR_PARTITIONS_CHANGED). */
  partitionsChanged(topic: string, from: number, to: number): void;
}

export const noopMetrics: StageMetrics = {
  recordsIn: () => undefined,
  recordsOut: () => undefined,
  deadLetters: () => undefined,
  lag: () => undefined,
  batch: () => undefined,
  retry: () => undefined,
  waiting: () => undefined,
  restore: () => undefined,
  partitionsChanged: () => undefined,
};

/** Registers each metric once per registry; a second stage reuses the first one's. */
function metric<M>(registry: Registry, name: string, create: () => M, isKind: (m: unknown) => m is M): M {
  const existing = registry.getSingleMetric(name);
  if (existing !== undefined) {
    if (!isKind(existing)) throw new StreamError('WEIR_CONFIG', `metric ${name} is already registered as another type`);
    return existing;
  }
  return create();
}

const isCounter = (m: unknown): m is Counter<string> => m instanceof Counter;
const isGauge = (m: unknown): m is Gauge<string> => m instanceof Gauge;
const isHistogram = (m: unknown): m is Histogram<string> => m instanceof Histogram;

/**
 * Distinct dead-letter reasons a stage labels; any further one is counted as `other`. Reasons come
 * from fixed sets in the code (see reasonCode), so this only guards against a reason that is not.
 */
export const MAX_DEAD_LETTER_REASONS = 32;

/** A label for each reason, the first `max` distinct ones as they are, later ones as `other`. */
function boundedLabel(max: number): (value: string) => string {
  const seen = new Set<string>();
  return (value) => {
    if (seen.has(value)) return value;
    if (seen.size >= max) return 'other';
    seen.add(value);
    return value;
  };
}

export function promStageMetrics(stage: string, registry: Registry = defaultRegistry): StageMetrics {
  const registers = [registry];
  const counter = (name: string, help: string, labelNames: string[]) =>
    metric(registry, name, () => new Counter({ name, help, labelNames, registers }), isCounter);
  const recordsIn = counter('weir_stage_records_in_total', 'Records consumed by a stage', ['stage', 'topic']);
  const recordsOut = counter('weir_stage_records_out_total', 'Records produced by a stage (outputs, not dead letters)', ['stage', 'topic']);
  const deadLetters = counter('weir_stage_dead_letters_total', 'Records sent to the dead-letter topic, by reason', ['stage', 'reason']);
  const reasonLabel = boundedLabel(MAX_DEAD_LETTER_REASONS);
  const retries = counter('weir_stage_retries_total', 'Bus operations that failed and were retried', ['stage', 'operation']);
  const partitionChanges = counter(
    'weir_stage_partition_changes_total',
    'Partition count changes of a topic the stage read its count of at start; the stage stops on one (WEIR_PARTITIONS_CHANGED), a restart reads the new count',
    ['stage', 'topic'],
  );
  const restoredRecords = counter('weir_stage_restored_records_total', 'State records read back from changelogs', ['stage']);
  const lag = metric(
    registry,
    'weir_stage_consumer_lag',
    () => new Gauge({ name: 'weir_stage_consumer_lag', help: 'Records behind the end of an input partition', labelNames: ['stage', 'topic', 'partition'], registers }),
    isGauge,
  );
  const waiting = metric(
    registry,
    'weir_stage_dependency_waiting',
    () =>
      new Gauge({
        name: 'weir_stage_dependency_waiting',
        help: '1 while a stage holds its records, waiting for a dependency (registry, broker, Elasticsearch) to answer again',
        labelNames: ['stage', 'operation'],
        registers,
      }),
    isGauge,
  );
  const batchSeconds = metric(
    registry,
    'weir_stage_batch_duration_seconds',
    () =>
      new Histogram({
        name: 'weir_stage_batch_duration_seconds',
        help: 'Time to decode, process, produce and commit one batch',
        labelNames: ['stage'],
        buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
        registers,
      }),
    isHistogram,
  );
  const batchSize = metric(
    registry,
    'weir_stage_batch_size',
    () =>
      new Histogram({
        name: 'weir_stage_batch_size',
        help: 'Records per processed batch',
        labelNames: ['stage'],
        buckets: [1, 5, 10, 50, 100, 250, 500, 1000, 5000],
        registers,
      }),
    isHistogram,
  );
  const restoreSeconds = metric(
    registry,
    'weir_stage_restore_duration_seconds',
    () =>
      new Histogram({
        name: 'weir_stage_restore_duration_seconds',
        help: 'Time to restore one partition state from its changelog',
        labelNames: ['stage'],
        buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60],
        registers,
      }),
    isHistogram,
  );
  return {
    recordsIn: (topic, count) => recordsIn.inc({ stage, topic }, count),
    recordsOut: (topic, count) => recordsOut.inc({ stage, topic }, count),
    deadLetters: (reason, count) => deadLetters.inc({ stage, reason: reasonLabel(reason) }, count),
    partitionsChanged: (topic) => partitionChanges.inc({ stage, topic }),
    lag: (topic, partition, value) => {
      const labels = { stage, topic, partition: String(partition) };
      if (value === null) lag.remove(labels);
      else lag.set(labels, value);
    },
    batch: (records, seconds) => {
      batchSeconds.observe({ stage }, seconds);
      batchSize.observe({ stage }, records);
    },
    retry: (operation) => retries.inc({ stage, operation }),
    waiting: (operation, value) => waiting.set({ stage, operation }, value ? 1 : 0),
    restore: (records, seconds) => {
      restoredRecords.inc({ stage }, records);
      restoreSeconds.observe({ stage }, seconds);
    },
  };
}

/**
 * Taking an input partition: open its writer (in exactly-once mode this fences the previous
 * owner), restore its state from the changelog, and resume past the last checkpoint.
 */
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import type { BusAdmin, BusConsumer, PartitionReader, TopicPartition } from '../bus.js';
import { describeError, isStreamError } from '../errors.js';
import type { StageMetrics } from '../metrics.js';
import { retryUntil, type RetryPolicy } from '../retry.js';
import { restoreState, type Changelog } from '../state/changelog.js';
import type { KeyedStateStore } from '../state/store.js';
import type { Delivery, PartitionWriter } from './delivery.js';
import { PartitionTask } from './partition-task.js';

export interface TakePartitionContext<S> {
  admin: BusAdmin;
  groupId: string;
  delivery: Delivery;
  /** Both null for a stage without state. */
  changelog: Changelog<S> | null;
  reader: PartitionReader | null;
  consumer: () => BusConsumer | null;
  signal: AbortSignal;
  retry: RetryPolicy;
  logger: Logger;
  metrics: StageMetrics;
}

export async function takePartition<S, L>(ctx: TakePartitionContext<S>, tp: TopicPartition): Promise<PartitionTask<S, L>> {
  const writer = await ctx.delivery.open(tp);
  const { changelog, reader } = ctx;
  if (!changelog || !reader) return new PartitionTask<S, L>(tp, writer, null, 0);

  const started = performance.now();
  const restored = await retryUntil(
    () =>
      restoreState<S, L>({
        changelog,
        input: tp,
        reader,
        writeBarrier: (barrier) => writer.write({ outputs: [], changelog: [barrier] }),
        onCorrupt: (key, err) => ctx.logger.error({ err, key, ...tp }, 'state value cannot be decoded; key dropped'),
      }),
    {
      policy: ctx.retry,
      signal: ctx.signal,
      retryable: (e) => !isStreamError(e, 'WEIR_BUS_FENCED'),
      onRetry: (err) => {
        ctx.metrics.retry('restore');
        ctx.logger.warn({ err, ...tp }, `state restore failed, retrying: ${describeError(err)}`);
      },
    },
  );
  const store: KeyedStateStore<S, L> = restored.store;
  ctx.metrics.restore(restored.records, (performance.now() - started) / 1000);
  ctx.logger.info({ ...tp, keys: store.size, includesUpTo: restored.includesUpTo }, 'state restored');
  const checkpoint = restored.includesUpTo;
  if (checkpoint !== undefined) await seekPastCheckpoint(ctx, tp, checkpoint, writer);
  return new PartitionTask(tp, writer, store, checkpoint ?? 0);
}

/**
 * A checkpoint newer than the committed offset (a crash between checkpoint and commit, a
 * commit refused because a rebalance took the partition, or transactional offsets Kafka has not
 * applied yet) is where to resume: everything before it is in the state and its outputs were
 * produced. It is committed too: otherwise, with no further input on the partition, the group's
 * offset would stay behind for good, and the lag that autoscalers and dashboards read from it
 * (KEDA's Kafka scaler, weir_consumer_lag) would never drain — seen on the real cluster as one
 * partition "left unconsumed" after sessionize scaled down.
 */
async function seekPastCheckpoint<S>(ctx: TakePartitionContext<S>, tp: TopicPartition, checkpoint: number, writer: PartitionWriter): Promise<void> {
  const committed = await ctx.admin
    .fetchCommittedOffsets(ctx.groupId, [tp.topic])
    .then((offsets) => offsets.find((o) => o.partition === tp.partition)?.offset)
    .catch(() => undefined);
  if (committed !== undefined && committed >= checkpoint) return;
  try {
    ctx.consumer()?.seek({ ...tp, offset: checkpoint });
  } catch (error) {
    // Revoked meanwhile: the task's next offset still keeps replayed records out of the state.
    ctx.logger.debug({ err: error, ...tp }, 'seek past checkpoint skipped');
    return;
  }
  await writer.write({ outputs: [], changelog: [], commit: { ...tp, offset: checkpoint } });
  ctx.logger.info({ ...tp, committed: committed ?? null, checkpoint }, 'committed the restored checkpoint (the previous owner\'s commit was lost)');
}

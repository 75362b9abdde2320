/**
 * `runStage`: consume → decode → process → encode → produce → commit, written once for every
 * service. Batches of a partition are processed in order, one at a time; up to `concurrency`
 * partitions at once. See runner/delivery.ts for the at-least-once and exactly-once paths,
 * state/changelog.ts for state checkpoints and restores, dead-letter.ts for failed records.
 *
 * The returned promise resolves after a graceful stop (AbortSignal, SIGTERM or SIGINT): the batch
 * in hand is finished, produced and committed, then everything disconnects. It rejects when the
 * run cannot start or its consumer fails for good.
 */
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { topicPartitionKey, type BusConsumer, type MessageBatch, type OutgoingMessage, type PartitionOffsets, type PartitionReader, type TopicPartition } from './bus.js';
import { deadLetterTopicName } from './dead-letter.js';
import type { ConsumedMessage } from './bus.js';
import { isTransient } from '@weir/contracts';
import { describeError, isStreamError } from './errors.js';
import { createLogger } from './log.js';
import { noopMetrics, type StageMetrics } from './metrics.js';
import { DEFAULT_RETRY, RetryAborted } from './retry.js';
import { DependencyWaits } from './runner/dependency-wait.js';
import { chunks } from './runner/chunks.js';
import { AtLeastOnceDelivery, ExactlyOnceDelivery, type Delivery, type DeliveryContext } from './runner/delivery.js';
import { DEFAULTS, type RunStageOptions } from './runner/options.js';
import { PartitionTask } from './runner/partition-task.js';
import { ChunkProcessor, NoState, type ChunkResult } from './runner/process-batch.js';
import { takePartition } from './runner/take-partition.js';
import { whenAborted } from './aborted.js';
import { shutdownSignal } from './shutdown.js';
import { jsonStateCodec } from './state/codec.js';
import { changelogRecords, changelogTopicName, type Changelog } from './state/changelog.js';
import type { StateLayer } from './state/store.js';

export type { DeliveryGuarantee, RunStageOptions, StateOptions } from './runner/options.js';

export function runStage<In, Out, S = never, L = never>(options: RunStageOptions<In, Out, S, L>): Promise<void> {
  return new StageRun(options).run();
}

class StageRun<In, Out, S, L> {
  private readonly logger: Logger;
  private readonly metrics: StageMetrics;
  private readonly processor: ChunkProcessor<In, Out, S, L>;
  private readonly tasks = new Map<string, PartitionTask<S, L>>();
  private readonly noState: NoState<S, L>;
  private readonly deadLetterTopic: string;
  private readonly maxRecords: number;
  private readonly maxBytes: number;
  private readonly shutdown: ReturnType<typeof shutdownSignal>;
  private readonly waits: DependencyWaits;
  private changelog: Changelog<S> | null = null;
  private reader: PartitionReader | null = null;
  private delivery: Delivery | null = null;
  private consumer: BusConsumer | null = null;
  private failure: Error | null = null;
  private ticking = false;

  constructor(private readonly options: RunStageOptions<In, Out, S, L>) {
    const { stage, groupId } = options;
    this.logger = (options.logger ?? createLogger('weir')).child({ stage: stage.name, groupId });
    this.metrics = options.metrics ?? noopMetrics;
    this.deadLetterTopic = options.deadLetterTopic ?? deadLetterTopicName(groupId);
    this.processor = new ChunkProcessor(stage, options.serde, this.deadLetterTopic, this.logger);
    this.noState = new NoState<S, L>(stage.name);
    this.maxRecords = options.batch?.maxRecords ?? DEFAULTS.maxRecords;
    this.maxBytes = options.batch?.maxBytes ?? DEFAULTS.maxBytes;
    this.shutdown = shutdownSignal({ signal: options.signal, handleSignals: options.handleSignals ?? true });
    this.waits = new DependencyWaits({
      stage: stage.name,
      signal: this.shutdown.signal,
      retry: options.retry ?? DEFAULT_RETRY,
      logger: this.logger,
      metrics: this.metrics,
      health: options.health,
    });
  }

  private get signal(): AbortSignal {
    return this.shutdown.signal;
  }

  async run(): Promise<void> {
    const { bus, stage } = this.options;
    let ticker: NodeJS.Timeout | null = null;
    try {
      await this.prepareTopics();
      const context = this.deliveryContext();
      this.delivery =
        this.options.delivery === 'exactly-once'
          ? new ExactlyOnceDelivery(context)
          : await AtLeastOnceDelivery.create(context, () => this.consumer!, this.options.writesInFlight ?? DEFAULTS.writesInFlight);
      if (this.changelog) this.reader = await bus.partitionReader(this.changelog.topic);
      const consumer = bus.consumer({
        groupId: this.options.groupId,
        isolation: 'read_committed',
        startFrom: this.options.startFrom ?? 'earliest',
        concurrency: this.options.concurrency ?? DEFAULTS.concurrency,
        maxBatchBytes: this.maxBytes,
        ...(this.options.sessionTimeoutMs ? { sessionTimeoutMs: this.options.sessionTimeoutMs } : {}),
        onPartitionsAssigned: (partitions) => this.assigned(partitions),
        onPartitionsRevoked: (partitions) => this.revoked(partitions),
        onFailure: (error) => {
          this.failure = error;
          this.shutdown.stop(error);
        },
      });
      this.consumer = consumer;
      await consumer.subscribe(this.options.input);
      if (!this.signal.aborted) await consumer.run((batch) => this.handle(batch));
      this.logger.info({ input: String(this.options.input), delivery: this.options.delivery ?? 'at-least-once' }, 'stage started');
      this.options.onStarted?.();
      if (stage.onTick) {
        ticker = setInterval(() => void this.tickAll(), this.options.tickIntervalMs ?? DEFAULTS.tickIntervalMs);
      }
      await whenAborted(this.signal);
      this.logger.info({ reason: describeError(this.signal.reason) }, 'stopping');
    } finally {
      if (ticker) clearInterval(ticker);
      // The writes batches left in flight become durable (commits included) while the consumer
      // still owns their partitions; no batch starts a new one once the run is stopping.
      await Promise.all(
        [...this.tasks.values()].map(async (task) => {
          await task.lock.run(() => task.settled());
          await task.writer.flush();
        }),
      );
      // Stopping the consumer waits for the batch in hand and revokes every partition.
      await this.consumer?.stop().catch((err) => this.logger.error({ err }, 'consumer stop failed'));
      await this.reader?.close().catch(() => undefined);
      await this.delivery?.close().catch(() => undefined);
      this.shutdown.dispose();
    }
    if (this.failure) throw this.failure;
    this.logger.info('stage stopped');
  }

  private deliveryContext(): DeliveryContext {
    return {
      bus: this.options.bus,
      groupId: this.options.groupId,
      signal: this.signal,
      retry: this.options.retry ?? DEFAULT_RETRY,
      logger: this.logger,
      metrics: this.metrics,
      waits: this.waits,
    };
  }

  private async prepareTopics(): Promise<void> {
    const { admin } = this.options.bus;
    await admin.createTopics([{ topic: this.deadLetterTopic, partitions: 1 }]);
    const state = this.options.state;
    if (!state) return;
    const topic = changelogTopicName(this.options.groupId, state.name);
    let partitions = await admin.partitionCount(topic).catch((error: unknown) => {
      if (isStreamError(error, 'WEIR_BUS_UNKNOWN_TOPIC')) return null;
      throw error;
    });
    if (partitions === null) {
      const wanted = state.changelogPartitions ?? (await this.inputPartitions());
      await admin.createTopics([{ topic, partitions: wanted, config: { 'cleanup.policy': 'compact' } }]);
      // Another instance may have created it first, with its own count: use what exists.
      partitions = await admin.partitionCount(topic);
    }
    this.changelog = { topic, partitions, codec: state.codec ?? jsonStateCodec<S>() };
  }

  private async inputPartitions(): Promise<number> {
    const { input, bus } = this.options;
    if (input instanceof RegExp) return DEFAULTS.patternChangelogPartitions;
    const counts = await Promise.all(input.map((t) => bus.admin.partitionCount(t).catch(() => 1)));
    return Math.max(1, ...counts);
  }

  private async assigned(partitions: TopicPartition[]): Promise<void> {
    await Promise.all(partitions.map((tp) => this.openTask(tp)));
  }

  private async openTask(tp: TopicPartition): Promise<void> {
    try {
      const task = await takePartition<S, L>(
        {
          admin: this.options.bus.admin,
          groupId: this.options.groupId,
          delivery: this.delivery!,
          changelog: this.changelog,
          reader: this.reader,
          consumer: () => this.consumer,
          signal: this.signal,
          retry: this.options.retry ?? DEFAULT_RETRY,
          logger: this.logger,
          metrics: this.metrics,
        },
        tp,
      );
      this.tasks.set(topicPartitionKey(tp), task);
    } catch (error) {
      if (error instanceof RetryAborted) return;
      if (isStreamError(error, 'WEIR_BUS_FENCED')) {
        this.logger.warn({ ...tp }, 'fenced while taking the partition: another instance owns it now');
        return;
      }
      // A partition that cannot be taken would silently stop flowing: stop the run instead, so
      // the service exits and is restarted where someone notices.
      this.logger.error({ err: error, ...tp }, `cannot take partition, stopping: ${describeError(error)}`);
      this.failure = error instanceof Error ? error : new Error(String(error));
      this.shutdown.stop(error);
    }
  }

  private async revoked(partitions: TopicPartition[]): Promise<void> {
    await Promise.all(
      partitions.map(async (tp) => {
        const key = topicPartitionKey(tp);
        const task = this.tasks.get(key);
        if (!task) return;
        this.tasks.delete(key);
        task.lost = true;
        // The batch in hand, then the writes it left in flight.
        await task.lock.run(() => task.settled());
        await task.writer.close();
        this.metrics.lag(tp.topic, tp.partition, null);
      }),
    );
  }

  private async handle(batch: MessageBatch): Promise<void> {
    const task = this.tasks.get(topicPartitionKey(batch));
    if (!task) {
      this.logger.warn({ topic: batch.topic, partition: batch.partition }, 'batch for a partition without a task: skipped, not committed');
      return;
    }
    await task.lock.run(() => this.processBatch(task, batch));
  }

  /**
   * Chunk by chunk, each chunk's write (produce, checkpoint, commit) overlaps the processing of
   * the chunks after it, which build on its state, in this batch or the next ones: up to the
   * writer's depth of writes are in flight per partition, and the writer makes them durable in
   * the order they were started, so units stay in order. The handler returns once its last
   * chunk's write has started, so the consumer fetches and hands over the next batch while the
   * writes are in flight. The state layer is therefore committed to memory before its write is
   * durable: a write that does not succeed ends this partition's work (the partition was lost
   * and its state is dropped with the task, or the run stops), so no later write can carry state
   * whose outputs and checkpoint were not written. Whoever gives the partition up (revoke, stop)
   * waits for the writes in flight first.
   */
  private async processBatch(task: PartitionTask<S, L>, batch: MessageBatch): Promise<void> {
    const tp = task.partition;
    let next = batch.messages[0]!.offset;
    for (const chunk of chunks(batch.messages, this.maxRecords, this.maxBytes)) {
      if (this.signal.aborted || batch.isStale() || task.lost) return;
      const started = performance.now();
      // Records below task.applied are in the state already and their outputs written or being
      // written: the restored checkpoint's, or this task's own when the consumer fetches them
      // again. kafkajs re-fetches every partition from its committed offset after each group join,
      // even one it keeps (no revoke, so the task and its live state stay): after a broker
      // restart, whose outage failed the commits of batches that were produced, that is behind
      // what the task holds.
      next = Math.max(task.applied, chunk[chunk.length - 1]!.offset + 1);
      const fresh = task.applied > chunk[0]!.offset ? chunk.filter((m) => m.offset >= task.applied) : chunk;
      if (fresh.length < chunk.length) {
        this.logger.info({ ...tp, skipped: chunk.length - fresh.length, from: chunk[0]!.offset, next: task.applied }, 'records delivered again are in the state already: skipped');
      }
      this.metrics.recordsIn(tp.topic, fresh.length);
      const processed = await this.processHeld(task, fresh);
      if (!processed) return;
      const { result, layer } = processed;
      const changelog = layer && this.changelog ? changelogRecords(this.changelog, tp, layer.changes(), next) : [];
      layer?.commit();
      task.applied = next;
      if (!(await task.room())) return;
      task.startWrite(this.writeChunk(task, result, changelog, next, chunk.length, started));
      await batch.heartbeat();
    }
    this.metrics.lag(tp.topic, tp.partition, Math.max(0, batch.highWatermark - next));
  }

  /**
   * One chunk's unit through the partition's writer; false when nothing was written (see
   * `write`). Never rejects: nobody may be waiting for it yet. A failure other than the partition
   * being lost or the run stopping (write retries every transient error) stops the run, as a
   * partition that cannot be taken does: its state is ahead of what was written.
   */
  private async writeChunk(task: PartitionTask<S, L>, result: ChunkResult, changelog: OutgoingMessage[], next: number, records: number, started: number): Promise<boolean> {
    const unit = {
      outputs: [...result.outputs, ...result.deadLetters.map((d) => d.message)],
      changelog,
      commit: { ...task.partition, offset: next },
    };
    if (!(await this.writeUnit(task, unit))) return false;
    task.next = next;
    this.countOutputs(result.outputs);
    for (const { reason } of result.deadLetters) this.metrics.deadLetters(reason, 1);
    this.metrics.batch(records, (performance.now() - started) / 1000);
    return true;
  }

  /**
   * The chunk through the stage, in a fresh state layer per attempt. A transient failure (a
   * dependency down) holds the chunk: it is retried with backoff from the state before it until
   * it passes, never dead-lettered. Null when the run stops or the partition is lost meanwhile.
   */
  private async processHeld(
    task: PartitionTask<S, L>,
    messages: ConsumedMessage[],
  ): Promise<{ result: ChunkResult; layer: StateLayer<S, L> | null } | null> {
    try {
      return await this.waits.retry(
        'process',
        async () => {
          const layer = task.store?.layer() ?? null;
          const result = await this.processor.process(messages, layer ?? this.noState, task.partition);
          return { result, layer };
        },
        { retryable: isTransient, signal: task.waitSignal(this.signal), context: { ...task.partition } },
      );
    } catch (error) {
      if (error instanceof RetryAborted) return null;
      throw error;
    }
  }

  private async tickAll(): Promise<void> {
    if (this.ticking || this.signal.aborted) return;
    this.ticking = true;
    try {
      const now = Date.now();
      // One offsets request per topic per round, however many of its partitions ask.
      const ends = new Map<string, Promise<PartitionOffsets[]>>();
      await Promise.all([...this.tasks.values()].map((task) => task.lock.run(() => this.tick(task, now, ends))));
    } finally {
      this.ticking = false;
    }
  }

  private async tick(task: PartitionTask<S, L>, now: number, ends: Map<string, Promise<PartitionOffsets[]>>): Promise<void> {
    if (task.lost || this.signal.aborted) return;
    const layer = task.store?.layer() ?? null;
    const outputs = await this.processor.tick(now, layer ?? this.noState, task.partition, () => this.caughtUp(task, ends));
    const changes = layer?.changes() ?? [];
    if (outputs.length === 0 && changes.length === 0) {
      // Nothing to write: the layer only hands the partition's live object back, if the tick took it.
      layer?.commit();
      return;
    }
    const changelog = this.changelog ? changelogRecords(this.changelog, task.partition, changes, undefined) : [];
    // Started behind the writes in flight, as a chunk's is, not awaited under the partition's
    // lock: waiting for it to be durable held the partition's next batch for a produce round trip
    // every tick (and the client fetches nothing more for a partition it handed over meanwhile).
    // The writer makes units durable in call order; one that fails ends the partition's work, so
    // no later write carries the state committed here without its outputs.
    if (!(await task.room())) return;
    layer?.commit();
    task.startWrite(this.writeTick(task, outputs, changelog));
  }

  /** A tick's unit through the partition's writer, as writeChunk (never rejects). */
  private async writeTick(task: PartitionTask<S, L>, outputs: OutgoingMessage[], changelog: OutgoingMessage[]): Promise<boolean> {
    if (!(await this.writeUnit(task, { outputs, changelog }))) return false;
    this.countOutputs(outputs);
    return true;
  }

  /**
   * A unit through the partition's writer; false when nothing was written, after which the
   * partition's work ends (a failure for good also stops the run). Never rejects.
   */
  private async writeUnit(task: PartitionTask<S, L>, unit: Parameters<PartitionTask<S, L>['writer']['write']>[0]): Promise<boolean> {
    try {
      if (await this.write(task, unit)) return true;
      task.lost = true;
      return false;
    } catch (error) {
      task.lost = true;
      this.logger.error({ err: error, ...task.partition }, `write failed, stopping: ${describeError(error)}`);
      this.failure ??= error instanceof Error ? error : new Error(String(error));
      this.shutdown.stop(error);
      return false;
    }
  }

  /** Whether the partition's records up to its current end (last stable offset) are all processed. */
  private async caughtUp(task: PartitionTask<S, L>, ends: Map<string, Promise<PartitionOffsets[]>>): Promise<boolean> {
    const { topic, partition } = task.partition;
    try {
      if (!ends.has(topic)) ends.set(topic, this.options.bus.admin.fetchTopicOffsets(topic));
      const offsets = await ends.get(topic)!;
      const end = offsets.find((o) => o.partition === partition)?.high;
      const position = Math.max(task.applied, this.consumer?.position(task.partition) ?? 0);
      return end !== undefined && position >= end;
    } catch (error) {
      this.logger.debug({ err: error, topic, partition }, `cannot tell whether the partition is caught up: ${describeError(error)}`);
      return false;
    }
  }

  /** False when nothing was written because the partition is lost or the run is stopping. */
  private async write(task: PartitionTask<S, L>, unit: Parameters<PartitionTask<S, L>['writer']['write']>[0]): Promise<boolean> {
    try {
      await task.writer.write(unit);
      return true;
    } catch (error) {
      if (error instanceof RetryAborted) return false;
      if (isStreamError(error, 'WEIR_BUS_FENCED')) {
        task.lost = true;
        this.logger.warn({ ...task.partition }, 'fenced: another instance owns this partition now');
        return false;
      }
      throw error;
    }
  }

  private countOutputs(outputs: Array<{ topic: string }>): void {
    const counts = new Map<string, number>();
    for (const { topic } of outputs) if (topic !== this.deadLetterTopic) counts.set(topic, (counts.get(topic) ?? 0) + 1);
    for (const [topic, count] of counts) this.metrics.recordsOut(topic, count);
  }
}


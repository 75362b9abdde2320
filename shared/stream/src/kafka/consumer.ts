/**
 * A consumer-group member over kafkajs, with what kafkajs lacks:
 * - rebalance callbacks: kafkajs only reports the assignment after a join; the difference with
 *   the previous one gives what was assigned and revoked, and deliveries wait until the
 *   callbacks have run (kafkajs stops its fetchers before rejoining, so no batch is in hand then);
 * - pattern subscriptions that see new topics: kafkajs matches a RegExp once, at subscribe time.
 *   A watcher lists topics every few seconds and, when a new one matches, stops the consumer,
 *   subscribes to it (from its beginning) and runs again. Committed offsets of the other topics
 *   are kept; their partitions are reported revoked and assigned again, because another member
 *   may have owned them in between.
 */
import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import {
  DEFAULT_MAX_BATCH_BYTES_PER_PARTITION,
  topicPartitionKey,
  type BatchHandler,
  type BusConsumer,
  type ConsumerOptions,
  type TopicPartition,
  type TopicPartitionOffset,
} from '../bus.js';
import type { KafkaTuning } from '../config.js';
import { describeError, StreamError } from '../errors.js';
import { sleep } from '../sleep.js';
import type { KafkaAdmin } from './admin.js';
import { CLIENT_RETRY } from './client-config.js';
import { isBrokerUnreachable, kafkaCall, toStreamError } from './errors.js';
import { fromClientMessages } from '../client/messages.js';
import { ownedByTopic, ownedOffsetsAt, requireOwned } from '../client/owned-partitions.js';
import { toKafkaOffsets } from './messages.js';
import { TopicWatcher, topicsToSubscribe } from './topic-watcher.js';


export class KafkaConsumer implements BusConsumer {
  private readonly consumer: Consumer;
  private subscription: string[] | RegExp | null = null;
  private readonly subscribed = new Set<string>();
  /** Topics of the first subscription when starting from latest (topics found later start at their beginning). */
  private readonly latestTopics = new Set<string>();
  /** Our member id in the group, as of the last join. */
  private memberId: string | null = null;
  private assigned = new Map<string, TopicPartition>();
  /** Rebalance callbacks run one after another; deliveries wait for the chain. */
  private callbacks: Promise<void> = Promise.resolve();
  private handler: BatchHandler | null = null;
  private watcher: TopicWatcher | null = null;
  private state: 'new' | 'running' | 'stopped' = 'new';
  private readonly removeListeners: Array<() => void> = [];
  /** Per partition, the offset after the last record delivered and handled, or passed over. */
  private readonly positions = new Map<string, number>();
  /** Payloads of the batches being handled: their commit still works while kafkajs is stopping. */
  private readonly inFlight = new Set<EachBatchPayload>();

  constructor(
    kafka: Kafka,
    private readonly admin: KafkaAdmin,
    private readonly options: ConsumerOptions,
    private readonly tuning: KafkaTuning,
    private readonly logger: Logger,
    private readonly onStopped: (c: KafkaConsumer) => void,
  ) {
    if (!options.groupId) throw new StreamError('WEIR_BUS_INVALID', 'a consumer needs a non-empty groupId');
    const sessionTimeout = options.sessionTimeoutMs ?? tuning.sessionTimeoutMs;
    this.consumer = kafka.consumer({
      groupId: options.groupId,
      sessionTimeout,
      heartbeatInterval: Math.min(3000, Math.floor(sessionTimeout / 3)),
      rebalanceTimeout: Math.max(sessionTimeout, 30_000),
      maxWaitTimeInMs: tuning.maxWaitTimeMs,
      maxBytesPerPartition: options.maxBatchBytes ?? DEFAULT_MAX_BATCH_BYTES_PER_PARTITION,
      // kafkajs drops aborted records itself; as released (2.2.4) it let some through when
      // aborted transactions interleave, hence patches/kafkajs@2.2.4.patch (bus contract test).
      readUncommitted: options.isolation === 'read_uncommitted',
      // Subscribing must not create topics: a name that does not exist yet waits for the watcher.
      allowAutoTopicCreation: false,
    });
  }

  async subscribe(topics: string[] | RegExp): Promise<void> {
    if (this.state !== 'new') throw new StreamError('WEIR_BUS_INVALID', 'subscribe before run');
    this.subscription = topics;
  }

  async run(handler: BatchHandler): Promise<void> {
    if (this.state !== 'new') throw new StreamError('WEIR_BUS_INVALID', 'run may be called once');
    if (!this.subscription) throw new StreamError('WEIR_BUS_INVALID', 'subscribe before run');
    this.handler = handler;
    this.state = 'running';
    const { GROUP_JOIN, STOP, CRASH, END_BATCH_PROCESS } = this.consumer.events;
    this.removeListeners.push(
      // A fetch holding only transaction markers or aborted records never reaches eachBatch, but
      // moves the position past them: without this a partition ending in a marker never looks caught up.
      this.consumer.on(END_BATCH_PROCESS, ({ payload }) => {
        if (payload.batchSize === 0) this.advance({ topic: payload.topic, partition: payload.partition }, Number(payload.lastOffset) + 1);
      }),
      this.consumer.on(GROUP_JOIN, ({ payload }) => this.joined(payload.memberId, payload.memberAssignment)),
      // kafkajs stops (and so leaves the group) on our stop, before a restart, and on a crash.
      this.consumer.on(STOP, () => this.lostAll()),
      this.consumer.on(CRASH, ({ payload }) => {
        this.logger.error({ err: payload.error, restart: payload.restart }, `consumer crashed: ${describeError(payload.error)}`);
        if (payload.restart || this.state !== 'running') return;
        if (isBrokerUnreachable(payload.error)) void this.restartAfterCrash();
        else this.options.onFailure?.(toStreamError(payload.error, `consumer of group ${this.options.groupId}`));
      }),
    );
    await kafkaCall('connect consumer', () => this.consumer.connect());
    const topics = await this.newMatchingTopics();
    if (this.options.startFrom === 'latest') for (const topic of topics) this.latestTopics.add(topic);
    if (topics.length > 0) await this.start(topics, this.options.startFrom !== 'latest');
    if (this.subscription instanceof RegExp || this.subscribed.size < this.subscription.length) {
      this.watcher = new TopicWatcher(this.tuning.topicWatchIntervalMs, () => this.subscribeNewTopics(), this.logger);
      this.watcher.start();
    }
    await this.callbacks;
  }

  assignment(): TopicPartition[] {
    return [...this.assigned.values()];
  }

  position(tp: TopicPartition): number | undefined {
    return this.positions.get(topicPartitionKey(tp));
  }

  private advance(tp: TopicPartition, next: number): void {
    const key = topicPartitionKey(tp);
    if (this.assigned.has(key)) this.positions.set(key, Math.max(next, this.positions.get(key) ?? 0));
  }

  async commit(offsets: TopicPartitionOffset[]): Promise<void> {
    // kafkajs's consumer.commitOffsets silently does nothing once stop() has begun, which would
    // drop the commit of the batch a graceful shutdown is finishing. A batch payload's own
    // commit goes straight to the group, so it is used while a batch is in hand.
    const [payload] = this.inFlight;
    await kafkaCall(`commit offsets of group ${this.options.groupId}`, () =>
      payload
        ? payload.commitOffsetsIfNecessary({ topics: toKafkaOffsets(offsets) })
        : this.consumer.commitOffsets(offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: String(o.offset) }))),
    );
  }

  committed(topics: string[]): Promise<TopicPartitionOffset[]> {
    return this.admin.fetchCommittedOffsets(this.options.groupId, topics);
  }

  seek(position: TopicPartitionOffset): void {
    this.requireOwned(position);
    this.positions.set(topicPartitionKey(position), position.offset);
    this.consumer.seek({ topic: position.topic, partition: position.partition, offset: String(position.offset) });
  }

  async seekToTimestamp(topic: string, timestamp: number): Promise<void> {
    for (const offset of await ownedOffsetsAt(this.admin, this.assigned, topic, timestamp)) this.seek(offset);
  }

  pause(partitions: TopicPartition[]): void {
    this.consumer.pause(ownedByTopic(this.assigned, partitions));
  }

  resume(partitions: TopicPartition[]): void {
    this.consumer.resume(ownedByTopic(this.assigned, partitions));
  }

  async stop(): Promise<void> {
    if (this.state === 'stopped') return;
    this.state = 'stopped';
    await this.watcher?.stop();
    await this.consumer.disconnect().catch((err) => this.logger.warn({ err }, 'consumer disconnect failed'));
    this.lostAll();
    await this.callbacks;
    for (const remove of this.removeListeners) remove();
    this.onStopped(this);
  }

  private async start(topics: string[], fromBeginning: boolean): Promise<void> {
    if (topics.length > 0) {
      await kafkaCall(`subscribe to ${topics.join(', ')}`, () => this.consumer.subscribe({ topics, fromBeginning }));
      for (const topic of topics) this.subscribed.add(topic);
    }
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: true,
      partitionsConsumedConcurrently: Math.max(1, this.options.concurrency ?? 1),
      eachBatch: (payload) => this.deliver(payload),
    });
  }

  private async newMatchingTopics(): Promise<string[]> {
    if (!this.subscription) return [];
    return topicsToSubscribe(this.subscription, await this.admin.listTopics(), this.subscribed);
  }

  /** Re-subscribes (stop, subscribe, run) when topics matching the subscription appeared. */
  private async subscribeNewTopics(): Promise<void> {
    if (this.state !== 'running') return;
    const fresh = await this.newMatchingTopics();
    if (fresh.length === 0 || this.state !== 'running') return;
    this.logger.info({ topics: fresh, groupId: this.options.groupId }, 'new matching topics: re-subscribing');
    await this.restart(fresh);
  }

  private async restart(fresh: string[]): Promise<void> {
    await this.consumer.stop();
    this.lostAll();
    await this.callbacks;
    if (this.state !== 'running') return;
    await this.start(fresh, true);
    await this.callbacks;
  }

  /**
   * kafkajs gives up on a consumer whose crash it deems fatal, some of which only mean the broker
   * did not answer (it restarts): started again here, after the client's longest retry wait, as
   * kafkajs restarts the others. A start that meets the broker still away crashes the same way
   * and comes back here, until the broker answers or the consumer is stopped.
   */
  private async restartAfterCrash(): Promise<void> {
    await sleep(CLIENT_RETRY.maxRetryTime);
    if (this.state !== 'running') return;
    this.logger.warn({ groupId: this.options.groupId }, 'restarting the consumer: the broker did not answer');
    try {
      await this.restart([]);
    } catch (err) {
      this.options.onFailure?.(toStreamError(err, `restart consumer of group ${this.options.groupId}`));
    }
  }

  private joined(memberId: string, memberAssignment: Record<string, number[]>): void {
    // A new member id means the group dropped us (session timeout, e.g. a long GC or SIGSTOP)
    // and we joined afresh: others may have owned "our" partitions in between, so everything
    // counts as lost, and whatever we get back as newly assigned.
    if (this.memberId !== null && memberId !== this.memberId) {
      this.logger.warn({ groupId: this.options.groupId }, 'rejoined the group as a new member: all partitions were lost');
      this.lostAll();
    }
    this.memberId = memberId;
    const next = new Map<string, TopicPartition>();
    for (const [topic, partitions] of Object.entries(memberAssignment)) {
      for (const partition of partitions) next.set(topicPartitionKey({ topic, partition }), { topic, partition });
    }
    const revoked = [...this.assigned].filter(([key]) => !next.has(key)).map(([, tp]) => tp);
    const added = [...next].filter(([key]) => !this.assigned.has(key)).map(([, tp]) => tp);
    this.assigned = next;
    for (const tp of revoked) this.positions.delete(topicPartitionKey(tp));
    this.chain('onPartitionsRevoked', revoked);
    const latest = added.filter((tp) => this.latestTopics.has(tp.topic));
    if (latest.length > 0) this.callbacks = this.callbacks.then(() => this.seekUncommittedToEnd(latest));
    this.chain('onPartitionsAssigned', added);
  }

  /**
   * kafkajs looks up "latest" at its first fetch, after run() has returned: a record produced in
   * between would be skipped. Fixing the position at assignment makes "latest" mean "as of the join".
   */
  private async seekUncommittedToEnd(partitions: TopicPartition[]): Promise<void> {
    try {
      const topics = [...new Set(partitions.map((tp) => tp.topic))];
      const committed = new Set((await this.admin.fetchCommittedOffsets(this.options.groupId, topics)).map(topicPartitionKey));
      for (const topic of topics) {
        for (const { partition, high } of await this.admin.fetchTopicOffsets(topic)) {
          const tp = { topic, partition };
          const key = topicPartitionKey(tp);
          if (this.assigned.has(key) && !committed.has(key)) this.seek({ ...tp, offset: high });
        }
      }
    } catch (err) {
      this.logger.warn({ err }, `could not fix the starting position at the end: ${describeError(err)}`);
    }
  }

  private lostAll(): void {
    this.memberId = null;
    const revoked = [...this.assigned.values()];
    this.assigned = new Map();
    this.positions.clear();
    this.chain('onPartitionsRevoked', revoked);
  }

  private chain(name: 'onPartitionsAssigned' | 'onPartitionsRevoked', partitions: TopicPartition[]): void {
    const callback = this.options[name];
    if (!callback || partitions.length === 0) return;
    this.callbacks = this.callbacks.then(async () => {
      try {
        await callback(partitions);
      } catch (err) {
        this.logger.error({ err, partitions }, `${name} callback failed: ${describeError(err)}`);
      }
    });
  }

  private async deliver(payload: EachBatchPayload): Promise<void> {
    this.inFlight.add(payload);
    try {
      await this.deliverBatch(payload);
    } finally {
      this.inFlight.delete(payload);
    }
  }

  private async deliverBatch({ batch, heartbeat, isStale, isRunning }: EachBatchPayload): Promise<void> {
    const tp = { topic: batch.topic, partition: batch.partition };
    const key = topicPartitionKey(tp);
    // Restores may outlast the session timeout: keep the membership alive while waiting.
    let settled = false;
    const callbacks = this.callbacks.then(() => (settled = true));
    while (!settled) {
      await Promise.race([callbacks, sleep(1000)]);
      if (!settled) await heartbeat().catch(() => undefined);
    }
    if (!this.assigned.has(key) || isStale() || !isRunning()) return;
    const handled = this.handler!({
      ...tp,
      messages: fromClientMessages(batch.topic, batch.partition, batch.messages),
      highWatermark: Number(batch.highWatermark),
      heartbeat: () => heartbeat().catch(() => undefined),
      isStale: () => isStale() || !this.assigned.has(key),
    });
    await handled;
    if (!isStale()) this.advance(tp, Number(batch.lastOffset()) + 1);
  }

  private requireOwned(tp: TopicPartition): void {
    requireOwned(this.assigned, tp);
  }
}


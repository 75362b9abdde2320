/**
 * A consumer-group member over kafkajs, with what kafkajs lacks:
 * - rebalance callbacks: kafkajs only reports the assignment after a join; the difference with
 *   the previous one gives what was assigned and revoked, and deliveries wait until the
 *   callbacks have run (kafkajs stops its fetchers before rejoining, so no batch is in hand then);
 * - pattern subscriptions that see new topics: kafkajs matches a RegExp once, at subscribe time.
 *   A watcher lists topics every few seconds and, when a new one matches, stops the consumer,
 *   subscribes to it (from its beginning) and runs again. Committed offsets of the other topics
 *   are kept; their partitions are reported revoked and assigned again, because another member
 *   may have owned them in between;
 * - a stop that works while the consumer is still starting: kafkajs's runner ignores a stop until
 *   it has joined, and the join's next request connects the client again, so a consumer stopped
 *   mid-join went on fetching with nothing left to stop it. `stop` waits for every start in flight
 *   (ours, and the restarts after a crash, which this class makes instead of kafkajs for that
 *   reason) and disconnects after it.
 */
import type { Consumer, ConsumerRunConfig, EachBatchPayload, Kafka } from 'kafkajs';
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
import { GroupConsumer, groupSessionTimeout, heartbeatInterval, type RebalanceCallbackName } from '../client/group-consumer.js';
import { sleep } from '../sleep.js';
import type { KafkaAdmin } from './admin.js';
import { CLIENT_RETRY } from './client-config.js';
import { isBrokerUnreachable, kafkaCall, toStreamError } from './errors.js';
import { fromClientMessages } from '../client/messages.js';
import { ownedByTopic, ownedOffsetsAt, requireOwned } from '../client/owned-partitions.js';
import { toKafkaOffsets } from './messages.js';
import { TopicWatcher, topicsToSubscribe } from './topic-watcher.js';


export class KafkaConsumer extends GroupConsumer implements BusConsumer {
  private readonly consumer: Consumer;
  private readonly subscribed = new Set<string>();
  /** Topics of the first subscription when starting from latest (topics found later start at their beginning). */
  private readonly latestTopics = new Set<string>();
  /** Our member id in the group, as of the last join. */
  private memberId: string | null = null;
  private assigned = new Map<string, TopicPartition>();
  /** Rebalance callbacks run one after another; deliveries wait for the chain. */
  private callbacks: Promise<void> = Promise.resolve();
  private watcher: TopicWatcher | null = null;
  private readonly removeListeners: Array<() => void> = [];
  /** Per partition, the offset after the last record delivered and handled, or passed over. */
  private readonly positions = new Map<string, number>();
  /** Payloads of the batches being handled: their commit still works while kafkajs is stopping. */
  private readonly inFlight = new Set<EachBatchPayload>();
  /** Starts (connect, subscribe, join) and restarts in progress: `stop` waits for them before disconnecting. */
  private readonly starting = new Set<Promise<void>>();
  /** Aborted by `stop`: cuts short the wait before a restart after a crash. */
  private readonly stopped = new AbortController();
  private stopping: Promise<void> | null = null;
  /** Crashes this class restarts after (see restartAfterCrash): their CRASH is no failure. */
  private readonly restarts = new Set<Error>();

  constructor(
    kafka: Kafka,
    private readonly admin: KafkaAdmin,
    options: ConsumerOptions,
    private readonly tuning: KafkaTuning,
    logger: Logger,
    private readonly onStopped: (c: KafkaConsumer) => void,
  ) {
    super(options, logger);
    const sessionTimeout = groupSessionTimeout(options, tuning);
    this.consumer = kafka.consumer({
      groupId: options.groupId,
      sessionTimeout,
      heartbeatInterval: heartbeatInterval(sessionTimeout),
      rebalanceTimeout: Math.max(sessionTimeout, 30_000),
      maxWaitTimeInMs: tuning.maxWaitTimeMs,
      maxBytesPerPartition: options.maxBatchBytes ?? DEFAULT_MAX_BATCH_BYTES_PER_PARTITION,
      // kafkajs drops aborted records itself; as released (2.2.4) it let some through when
      // aborted transactions interleave, hence patches/kafkajs@2.2.4.patch (bus contract test).
      readUncommitted: options.isolation === 'read_uncommitted',
      // Subscribing must not create topics: a name that does not exist yet waits for the watcher.
      allowAutoTopicCreation: false,
      // kafkajs restarts after a retriable crash on a timer of its own, which a stop during the
      // restart's join cannot reach: this class restarts instead (and never once stopped).
      retry: { ...CLIENT_RETRY, restartOnFailure: async (error) => this.restartAfterCrash(error) },
    });
  }

  async run(handler: BatchHandler): Promise<void> {
    if (this.state === 'stopped') throw new StreamError('WEIR_BUS_CLOSED', `consumer of group ${this.options.groupId} is stopped`);
    this.startRunning(handler);
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
        const restarting = this.restarts.delete(payload.error);
        this.logger.error({ err: payload.error, restart: restarting }, `consumer crashed: ${describeError(payload.error)}`);
        if (restarting || this.state !== 'running') return;
        // kafkajs deems some crashes fatal that only say no broker answered (it restarts): those
        // are started again too, after the client's longest retry wait, until the broker answers.
        if (isBrokerUnreachable(payload.error)) this.scheduleRestart(CLIENT_RETRY.maxRetryTime);
        else this.options.onFailure?.(toStreamError(payload.error, `consumer of group ${this.options.groupId}`));
      }),
    );
    await this.track(this.startUp());
  }

  private async startUp(): Promise<void> {
    await kafkaCall('connect consumer', () => this.consumer.connect());
    if (this.state !== 'running') return;
    const topics = await this.newMatchingTopics();
    if (this.options.startFrom === 'latest') for (const topic of topics) this.latestTopics.add(topic);
    if (topics.length > 0) await this.start(topics, this.options.startFrom !== 'latest');
    if (this.state !== 'running') return;
    if (this.subscription instanceof RegExp || this.subscribed.size < this.subscription!.length) {
      this.watcher = new TopicWatcher(this.tuning.topicWatchIntervalMs, () => this.subscribeNewTopics(), this.logger);
      this.watcher.start();
    }
    await this.callbacks;
  }

  /** Runs `start` as a start in flight, which `stop` waits for. */
  private async track(start: Promise<void>): Promise<void> {
    this.starting.add(start);
    try {
      await start;
    } finally {
      this.starting.delete(start);
    }
  }

  /**
   * kafkajs asks before restarting after a retriable crash; the answer is always no, and the
   * restart is made here, tracked, after the same wait kafkajs would have made. After `stop`,
   * none is made: the crash then ends the consumer.
   */
  private restartAfterCrash(error: Error): boolean {
    if (this.state !== 'running') return false;
    this.restarts.add(error);
    this.scheduleRestart((error as { retryTime?: number }).retryTime ?? CLIENT_RETRY.initialRetryTime);
    return false;
  }

  /** Runs the consumer again after `waitMs`, as a start in flight that `stop` waits for (and cuts short). */
  private scheduleRestart(waitMs: number): void {
    this.logger.warn({ groupId: this.options.groupId, waitMs }, 'restarting the consumer after a crash');
    void this.track(
      (async () => {
        await sleep(waitMs, this.stopped.signal);
        if (this.state !== 'running') return;
        await this.consumer.run(this.runConfig());
      })(),
    ).catch((err: unknown) => {
      this.logger.error({ err }, `consumer restart failed: ${describeError(err)}`);
      this.options.onFailure?.(toStreamError(err, `consumer of group ${this.options.groupId}`));
    });
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

  /** Stops the consumer, and every start of it still in flight: once this resolves, nothing of it is connected. */
  stop(): Promise<void> {
    if (!this.stopping) {
      this.state = 'stopped';
      this.stopped.abort();
      this.stopping = this.shutDown();
    }
    return this.stopping;
  }

  private async shutDown(): Promise<void> {
    // The watcher's check may be re-subscribing: a start in flight too.
    await this.watcher?.stop();
    // A disconnect during a join would not stop it (see the file's comment): let each start end
    // (joined, or crashed: no restart follows once stopped), then disconnect what it started.
    while (this.starting.size > 0) await Promise.allSettled([...this.starting]);
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
    if (this.state !== 'running') return;
    await this.consumer.run(this.runConfig());
  }

  private runConfig(): ConsumerRunConfig {
    return {
      autoCommit: false,
      eachBatchAutoResolve: true,
      partitionsConsumedConcurrently: Math.max(1, this.options.concurrency ?? 1),
      eachBatch: (payload) => this.deliver(payload),
    };
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

  private chain(name: RebalanceCallbackName, partitions: TopicPartition[]): void {
    if (!this.options[name] || partitions.length === 0) return;
    this.callbacks = this.callbacks.then(() => this.rebalanceCallback(name, partitions));
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
    // Restores may outlast the session timeout.
    await heartbeating(this.callbacks, heartbeat);
    if (!this.assigned.has(key) || isStale() || !isRunning()) return;
    const handled = this.handler!({
      ...tp,
      messages: fromClientMessages(batch.topic, batch.partition, batch.messages),
      highWatermark: Number(batch.highWatermark),
      heartbeat: () => heartbeat().catch(() => undefined),
      isStale: () => isStale() || !this.assigned.has(key),
    });
    await heartbeating(handled, heartbeat);
    if (!isStale()) this.advance(tp, Number(batch.lastOffset()) + 1);
  }

  private requireOwned(tp: TopicPartition): void {
    requireOwned(this.assigned, tp);
  }
}

/** How often a member with a batch in hand asks to heartbeat (kafkajs sends one once its interval has passed). */
const KEEP_ALIVE_MS = 1000;

/**
 * Heartbeats while `work` runs. kafkajs heartbeats only between batches (the Java client has a
 * thread for it): a batch in hand longer than the session timeout got the member dropped from
 * its group (kafka-consumer-heartbeat.test.ts). The runner holds a batch while the partition's
 * previous write is in flight (under exactly-once a transaction, several round trips to a broker
 * that a saturated CPU starves), while it restores state, and while a dependency is down; each
 * drop rebalanced the whole group and restored every partition's state again. A heartbeat's
 * error is left for kafkajs's own after the batch, which rejoins on it.
 */
async function heartbeating<T>(work: Promise<T>, heartbeat: () => Promise<void>): Promise<T> {
  const timer = setInterval(() => void heartbeat().catch(() => undefined), KEEP_ALIVE_MS);
  try {
    return await work;
  } finally {
    clearInterval(timer);
  }
}

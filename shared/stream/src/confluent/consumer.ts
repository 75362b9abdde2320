/**
 * A consumer-group member on librdkafka through the client's KafkaJS-style consumer, which
 * hands over per-partition batches with bounded concurrency. What librdkafka does itself, and
 * the kafkajs adapter had to emulate:
 * - pattern subscriptions see new topics through librdkafka's metadata refresh: no restart;
 * - rebalance callbacks come from librdkafka's own rebalance events (cooperative-sticky: a
 *   rebalance moves only the partitions that change owner; see ASSIGNMENT_STRATEGY);
 * - heartbeats run on librdkafka's thread, so long processing needs no heartbeat calls.
 */
import { KafkaJS, type RdKafka } from '@confluentinc/kafka-javascript';
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
import { describeError } from '../errors.js';
import { GroupConsumer, groupSessionTimeout, heartbeatInterval } from '../client/group-consumer.js';
import type { ConfluentAdmin } from './admin.js';
import { clientLogger, clientLogLevel, type RdKafkaConfig } from './client-config.js';
import { ASSIGN_PARTITIONS, clientCall, toStreamError } from './errors.js';
import { fromClientMessages } from '../client/messages.js';
import { ownedByTopic, ownedOffsetsAt, requireOwned } from '../client/owned-partitions.js';
import { toClientOffsets } from './messages.js';

/**
 * Records per delivered batch: -1 hands over everything fetched for the partition, as kafkajs
 * does (the runner cuts it into chunks). The client's default (32), and its cache that starts
 * at one record and grows with the measured rate, make a relay ten times slower and the first
 * batches tiny.
 */
const MAX_BATCH_RECORDS = -1;
/** librdkafka's RD_KAFKA_OFFSET_INVALID in an assignment: start at the committed offset (else auto.offset.reset). */
const FROM_COMMITTED = -1001;
/**
 * Cooperative rebalancing: a rebalance moves only the partitions that change owner. librdkafka
 * 2.15.1 (the binding's own) aborted the process here now and then as a second member joined
 * (rd_kafka_assignment_partition_stopped: assertion rktp_started, librdkafka #5573), hence
 * librdkafka 2.16 under the binding (scripts/librdkafka.sh). Eager ('roundrobin') avoids that path
 * but fails the bus suite's pattern test: a rebalance on a new topic restarts uncommitted
 * partitions from their beginning.
 */
const ASSIGNMENT_STRATEGY = 'cooperative-sticky';

/** What the client has but does not declare: the librdkafka consumer, whose group metadata transactions need. */
interface WithInternalClient {
  _getInternalClient(): RdKafka.KafkaConsumer;
}

export class ConfluentConsumer extends GroupConsumer implements BusConsumer {
  private readonly consumer: KafkaJS.Consumer;
  private readonly assigned = new Map<string, TopicPartition>();
  /**
   * Starting from latest: the end of every partition of the subscription's topics when run()
   * was called (topics found later start at their beginning).
   */
  private readonly latestStart = new Map<string, number>();
  /** Seeks asked for while an assignment is being applied: they become its starting offsets. */
  private assigning: Map<string, number> | null = null;
  /** Batches being handled, per partition: a revocation waits for them. */
  private readonly inFlight = new Map<string, Promise<void>>();

  constructor(
    base: RdKafkaConfig,
    private readonly admin: ConfluentAdmin,
    options: ConsumerOptions,
    tuning: KafkaTuning,
    logger: Logger,
    private readonly onStopped: (c: ConfluentConsumer) => void,
  ) {
    super(options, logger);
    const sessionTimeout = groupSessionTimeout(options, tuning);
    const kafka = new KafkaJS.Kafka({});
    this.consumer = kafka.consumer({
      ...base,
      kafkaJS: { groupId: options.groupId, logger: clientLogger(logger), logLevel: clientLogLevel(logger) },
      'group.id': options.groupId,
      'partition.assignment.strategy': ASSIGNMENT_STRATEGY,
      'session.timeout.ms': sessionTimeout,
      'heartbeat.interval.ms': heartbeatInterval(sessionTimeout),
      'enable.auto.commit': false,
      // Uncommitted partitions start at their beginning; "latest" is fixed at assignment (below).
      'auto.offset.reset': 'earliest',
      'isolation.level': options.isolation === 'read_uncommitted' ? 'read_uncommitted' : 'read_committed',
      'allow.auto.create.topics': false,
      'fetch.wait.max.ms': tuning.maxWaitTimeMs,
      'max.partition.fetch.bytes': options.maxBatchBytes ?? DEFAULT_MAX_BATCH_BYTES_PER_PARTITION,
      // How soon a pattern subscription sees a new matching topic.
      'topic.metadata.refresh.interval.ms': tuning.topicWatchIntervalMs,
      'js.consumer.max.batch.size': MAX_BATCH_RECORDS,
      rebalance_cb: (err: RdKafka.LibrdKafkaError, assignment: RdKafka.Assignment[]) => this.rebalanced(err, assignment),
    } as KafkaJS.ConsumerConstructorConfig);
  }

  /** librdkafka's consumer, for the group metadata of transactional offset commits. */
  internal(): RdKafka.KafkaConsumer {
    return (this.consumer as unknown as WithInternalClient)._getInternalClient();
  }

  async run(handler: BatchHandler): Promise<void> {
    const subscription = this.startRunning(handler);
    if (this.options.startFrom === 'latest') {
      const existing = await this.admin.listTopics();
      const matching = subscription instanceof RegExp ? existing.filter((t) => subscription.test(t)) : subscription.filter((t) => existing.includes(t));
      for (const topic of matching) {
        for (const { partition, high } of await this.admin.fetchTopicOffsets(topic)) this.latestStart.set(topicPartitionKey({ topic, partition }), high);
      }
    }
    await clientCall('connect consumer', () => this.consumer.connect());
    await clientCall(`subscribe group ${this.options.groupId}`, () =>
      this.consumer.subscribe({ topics: subscription instanceof RegExp ? [subscription] : subscription }),
    );
    await clientCall('run consumer', () =>
      this.consumer.run({
        eachBatchAutoResolve: true,
        partitionsConsumedConcurrently: Math.max(1, this.options.concurrency ?? 1),
        eachBatch: (payload) => this.deliver(payload),
      }),
    );
  }

  assignment(): TopicPartition[] {
    return [...this.assigned.values()];
  }

  async commit(offsets: TopicPartitionOffset[]): Promise<void> {
    if (offsets.length === 0) return;
    await clientCall(`commit offsets of group ${this.options.groupId}`, () => this.consumer.commitOffsets(toClientOffsets(offsets)));
  }

  committed(topics: string[]): Promise<TopicPartitionOffset[]> {
    return this.admin.fetchCommittedOffsets(this.options.groupId, topics);
  }

  /** librdkafka's fetch position: it moves past transaction markers too, so a caught-up partition reaches `high`. */
  position(tp: TopicPartition): number | undefined {
    if (!this.assigned.has(topicPartitionKey(tp))) return undefined;
    try {
      const [found] = this.internal().position([{ topic: tp.topic, partition: tp.partition }]);
      const offset = found?.offset;
      return typeof offset === 'number' && offset >= 0 ? offset : undefined;
    } catch {
      return undefined;
    }
  }

  seek(position: TopicPartitionOffset): void {
    this.requireOwned(position);
    const key = topicPartitionKey(position);
    // The client applies a seek asked for during a rebalance later, after fetching has begun
    // from the committed offset: the assignment itself carries it instead.
    if (this.assigning?.has(key)) {
      this.assigning.set(key, position.offset);
      return;
    }
    try {
      this.consumer.seek({ topic: position.topic, partition: position.partition, offset: String(position.offset) });
    } catch (err) {
      throw toStreamError(err, `seek ${topicPartitionKey(position)}`);
    }
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
    const wasRunning = this.state === 'running';
    this.state = 'stopped';
    this.onStopped(this);
    if (!wasRunning) return;
    // No batch starts now (deliverBatch checks the state); the ones in hand finish before the
    // client leaves the group, whose disconnect does not wait for them.
    await Promise.all(this.inFlight.values());
    await this.consumer.disconnect().catch((err: unknown) => this.logger.warn({ err }, `consumer disconnect: ${describeError(err)}`));
    if (this.assigned.size > 0) await this.revoke([...this.assigned.values()]);
  }

  /**
   * librdkafka's rebalance event, awaited by the client before it applies the change: partitions
   * assigned are not fetched until onPartitionsAssigned resolved (its seeks apply at assignment);
   * partitions revoked are handed back after their batches in hand and onPartitionsRevoked.
   */
  private async rebalanced(err: RdKafka.LibrdKafkaError, assignment: RdKafka.Assignment[]): Promise<RdKafka.Assignment[] | undefined> {
    const partitions = assignment.map(({ topic, partition }) => ({ topic, partition }));
    try {
      if (err.code === ASSIGN_PARTITIONS) return await this.assign(partitions);
      await this.revoke(partitions);
    } catch (error) {
      this.logger.error({ err: error }, `rebalance callback failed: ${describeError(error)}`);
    }
    return undefined;
  }

  /** Returns the assignment with the starting offsets the seeks of onPartitionsAssigned asked for. */
  private async assign(partitions: TopicPartition[]): Promise<RdKafka.Assignment[] | undefined> {
    const added = partitions.filter((tp) => !this.assigned.has(topicPartitionKey(tp)));
    for (const tp of added) this.assigned.set(topicPartitionKey(tp), tp);
    if (added.length === 0) return undefined;
    const starts = new Map<string, number>(partitions.map((tp) => [topicPartitionKey(tp), FROM_COMMITTED]));
    this.assigning = starts;
    try {
      await this.startUncommittedAtLatest(added);
      await this.rebalanceCallback('onPartitionsAssigned', added);
    } finally {
      this.assigning = null;
    }
    if ([...starts.values()].every((offset) => offset === FROM_COMMITTED)) return undefined;
    return partitions.map((tp) => ({ ...tp, offset: starts.get(topicPartitionKey(tp))! }));
  }

  private async revoke(partitions: TopicPartition[]): Promise<void> {
    const revoked = partitions.filter((tp) => this.assigned.has(topicPartitionKey(tp)));
    if (revoked.length === 0) return;
    const keys = revoked.map(topicPartitionKey);
    await Promise.all(keys.map((key) => this.inFlight.get(key)));
    for (const key of keys) this.assigned.delete(key);
    await this.rebalanceCallback('onPartitionsRevoked', revoked);
  }

  /** "latest" means the end as of run(), for partitions the group never committed. */
  private async startUncommittedAtLatest(partitions: TopicPartition[]): Promise<void> {
    const latest = partitions.filter((tp) => this.latestStart.has(topicPartitionKey(tp)));
    if (latest.length === 0) return;
    try {
      const topics = [...new Set(latest.map((tp) => tp.topic))];
      const committed = new Set((await this.admin.fetchCommittedOffsets(this.options.groupId, topics)).map(topicPartitionKey));
      for (const tp of latest) {
        const key = topicPartitionKey(tp);
        if (!committed.has(key)) this.seek({ ...tp, offset: this.latestStart.get(key)! });
      }
    } catch (err) {
      this.logger.warn({ err }, `could not fix the starting position at the end: ${describeError(err)}`);
    }
  }

  private deliver(payload: KafkaJS.EachBatchPayload): Promise<void> {
    const { batch } = payload;
    const key = topicPartitionKey({ topic: batch.topic, partition: batch.partition });
    const handled = this.deliverBatch(key, payload);
    const settled = handled.then(
      () => undefined,
      () => undefined,
    );
    this.inFlight.set(key, settled);
    void settled.then(() => {
      if (this.inFlight.get(key) === settled) this.inFlight.delete(key);
    });
    return handled;
  }

  private async deliverBatch(key: string, { batch, isStale }: KafkaJS.EachBatchPayload): Promise<void> {
    if (!this.assigned.has(key) || isStale() || this.state !== 'running') return;
    await this.handler!({
      topic: batch.topic,
      partition: batch.partition,
      messages: fromClientMessages(batch.topic, batch.partition, batch.messages),
      highWatermark: Number(batch.highWatermark),
      heartbeat: async () => undefined,
      isStale: () => isStale() || !this.assigned.has(key),
    });
  }

  private requireOwned(tp: TopicPartition): void {
    requireOwned(this.assigned, tp);
  }
}


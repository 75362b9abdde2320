/**
 * A consumer-group member on librdkafka through the binding's own consumer (`RdKafka.KafkaConsumer`).
 * One fetch loop calls `consume(n)`, which waits only for the first record and returns once
 * librdkafka's queue is drained, and sorts what it got into per-partition queues. Each partition
 * hands its queue to the handler one batch at a time, up to `concurrency` partitions at once,
 * while the loop goes on fetching for every other partition: a slow partition holds back only
 * itself, and is paused in librdkafka while its queue is full.
 *
 * What librdkafka does itself, and the kafkajs adapter had to emulate:
 * - pattern subscriptions see new topics through librdkafka's metadata refresh: no restart;
 * - rebalances are cooperative (see ASSIGNMENT_STRATEGY) and applied through the rebalance
 *   callback once onPartitionsAssigned / onPartitionsRevoked resolved;
 * - heartbeats run on librdkafka's thread, so long processing needs no heartbeat calls.
 *
 * librdkafka's fetch position moves when records leave its queue, so it runs ahead of what the
 * handler has been given: position() is kept here, and librdkafka's is used only for a partition
 * with nothing queued or in hand (it alone moves past transaction markers).
 */
import { RdKafka } from '@confluentinc/kafka-javascript';
import type { Logger } from 'pino';
import {
  DEFAULT_MAX_BATCH_BYTES_PER_PARTITION,
  topicPartitionKey,
  type BatchHandler,
  type BusConsumer,
  type ConsumedMessage,
  type ConsumerOptions,
  type TopicPartition,
  type TopicPartitionOffset,
} from '../bus.js';
import type { KafkaTuning } from '../config.js';
import { describeError, StreamError } from '../errors.js';
import { GroupConsumer, groupSessionTimeout, heartbeatInterval } from '../client/group-consumer.js';
import { ownedOffsetsAt, requireOwned } from '../client/owned-partitions.js';
import { Semaphore } from '../semaphore.js';
import { sleep } from '../sleep.js';
import type { ConfluentAdmin } from './admin.js';
import type { RdKafkaConfig } from './client-config.js';
import { ASSIGN_PARTITIONS, callback, toStreamError } from './errors.js';
import { toConsumed } from './reader.js';

/** Records one consume() call takes from librdkafka's queue at most. */
const FETCH_RECORDS = 10_000;
/**
 * A partition with this many batches' worth of bytes queued is paused in librdkafka until its
 * queue is down to RESUME_BATCHES: what a slow partition holds in memory stays bounded, and
 * what is left when it resumes lasts while librdkafka fetches again.
 */
const HELD_BATCHES = 4;
const RESUME_BATCHES = 2;
/**
 * librdkafka backs a partition's fetches off by this after a paused partition resumes (as after
 * a fetch error); its default, 500 ms, left a resumed partition's queue empty for half a second.
 */
const FETCH_BACKOFF_MS = 20;
/** How long a partition waits after its handler rejected, before the batch is delivered again. */
const REDELIVERY_PAUSE_MS = 500;
/** How long the fetch loop waits after a failed consume. */
const FETCH_ERROR_PAUSE_MS = 500;
/** How long a seek may take to be applied by librdkafka's own thread. */
const SEEK_TIMEOUT_MS = 5000;
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

/** What the binding's consumer has but its declarations lack. */
interface UndeclaredCalls {
  setDefaultIsTimeoutOnlyForFirstMessage(onlyFirst: boolean): void;
  incrementalAssign(assignment: RdKafka.Assignment[]): void;
  incrementalUnassign(assignment: RdKafka.Assignment[]): void;
}

/** A commit sent, waiting for librdkafka's offset_commit_cb. */
interface PendingCommit {
  readonly offsets: string;
  resolve(): void;
  reject(err: unknown): void;
}

interface OwnedPartition {
  readonly tp: TopicPartition;
  readonly key: string;
  /** Assigned in librdkafka, after onPartitionsAssigned resolved: records may arrive. */
  ready: boolean;
  /** Being taken away: nothing more is delivered. */
  revoked: boolean;
  /** Fetched records; those before `head` were handled. */
  queue: ConsumedMessage[];
  head: number;
  /** Bytes of the records from `head` on. */
  queuedBytes: number;
  /** After the last record handled or passed over. */
  position: number | undefined;
  /** Bumped by every seek: a batch handed over before it is stale. */
  seeks: number;
  /** A seek the fetch loop applies in librdkafka before its next consume. */
  pendingSeek: number | undefined;
  /** Records from consume calls numbered up to this were fetched before the last seek took effect. */
  discardThrough: number;
  userPaused: boolean;
  /** Its queue is full: paused in librdkafka until it drains. */
  held: boolean;
  /** Whether librdkafka has it paused now. */
  clientPaused: boolean;
  /** The deliveries of its queue, while it has any. */
  delivering: Promise<void> | null;
  /** Not delivered before this time (a handler rejected). */
  notBefore: number;
}

export class ConfluentConsumer extends GroupConsumer implements BusConsumer {
  private readonly consumer: RdKafka.KafkaConsumer & UndeclaredCalls;
  private readonly owned = new Map<string, OwnedPartition>();
  /**
   * Starting from latest: the end of every partition of the subscription's topics when run()
   * was called (topics found later start at their beginning).
   */
  private readonly latestStart = new Map<string, number>();
  /** Seeks asked for while an assignment is being applied: they become its starting offsets. */
  private assigning: Map<string, number> | null = null;
  /** librdkafka's rebalance events, handled one after another. */
  private rebalancing: Promise<void> = Promise.resolve();
  /**
   * The fetch loop runs until stop() has seen the batches in hand finish: librdkafka serves
   * commit answers and rebalance events only inside consume(), and a handler or a revocation may
   * be waiting for one (a loop that waited for them instead never came back).
   */
  private fetching = false;
  private readonly slots: Semaphore;
  private readonly maxBatchBytes: number;
  private loop: Promise<void> | null = null;
  /** consume() calls made so far. */
  private fetches = 0;
  /**
   * The binding's commit calls return once the commit is queued, not done: each waits here for
   * librdkafka's offset_commit_cb, which the fetch loop's consume calls serve.
   */
  private readonly commits: PendingCommit[] = [];
  /** Ends run()'s wait for the first assignment. */
  private joined: () => void = () => undefined;
  private readonly sessionTimeout: number;

  constructor(
    base: RdKafkaConfig,
    private readonly admin: ConfluentAdmin,
    options: ConsumerOptions,
    private readonly tuning: KafkaTuning,
    logger: Logger,
    private readonly onStopped: (c: ConfluentConsumer) => void,
  ) {
    super(options, logger);
    const sessionTimeout = groupSessionTimeout(options, tuning);
    this.sessionTimeout = sessionTimeout;
    this.maxBatchBytes = options.maxBatchBytes ?? DEFAULT_MAX_BATCH_BYTES_PER_PARTITION;
    this.slots = new Semaphore(Math.max(1, options.concurrency ?? 1));
    this.consumer = new RdKafka.KafkaConsumer({
      ...base,
      'group.id': options.groupId,
      'partition.assignment.strategy': ASSIGNMENT_STRATEGY,
      'session.timeout.ms': sessionTimeout,
      'heartbeat.interval.ms': heartbeatInterval(sessionTimeout),
      'enable.auto.commit': false,
      'enable.auto.offset.store': false,
      // Uncommitted partitions start at their beginning; "latest" is fixed at assignment (below).
      'auto.offset.reset': 'earliest',
      'isolation.level': options.isolation === 'read_uncommitted' ? 'read_uncommitted' : 'read_committed',
      'allow.auto.create.topics': false,
      'fetch.wait.max.ms': tuning.maxWaitTimeMs,
      'max.partition.fetch.bytes': this.maxBatchBytes,
      'fetch.error.backoff.ms': FETCH_BACKOFF_MS,
      // How soon a pattern subscription sees a new matching topic.
      'topic.metadata.refresh.interval.ms': tuning.topicWatchIntervalMs,
      rebalance_cb: (err: RdKafka.LibrdKafkaError, assignment: RdKafka.Assignment[]) => this.rebalanced(err, assignment),
      offset_commit_cb: (err: RdKafka.LibrdKafkaError | undefined, offsets: RdKafka.TopicPartitionOffset[] | undefined) => this.commitDone(err, offsets ?? []),
    }) as RdKafka.KafkaConsumer & UndeclaredCalls;
    this.consumer.on('event.error', (err) => this.logger.warn({ err, groupId: options.groupId }, `consumer: ${err.message}`));
  }

  /** librdkafka's consumer, for the group metadata of transactional offset commits (KIP-447). */
  internal(): RdKafka.KafkaConsumer {
    return this.consumer;
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
    await callback('connect consumer', (done) => this.consumer.connect({ timeout: this.tuning.connectionTimeoutMs * 3 }, (err) => done(err)));
    // Returns as soon as the queue is drained, not once the wait for a next record timed out.
    this.consumer.setDefaultConsumeTimeout(Math.max(10, this.tuning.maxWaitTimeMs));
    this.consumer.setDefaultIsTimeoutOnlyForFirstMessage(true);
    try {
      this.consumer.subscribe(subscription instanceof RegExp ? [patternTopic(subscription)] : subscription);
    } catch (err) {
      throw toStreamError(err, `subscribe group ${this.options.groupId}`);
    }
    // Joined once the first assignment is applied (librdkafka reports an empty one too); a
    // subscription that matches no topic yet joins no group, hence the limit.
    const joined = new Promise<void>((resolve) => (this.joined = resolve));
    const limit = setTimeout(() => this.joined(), this.sessionTimeout);
    this.fetching = true;
    this.loop = this.fetchLoop();
    await joined;
    clearTimeout(limit);
  }

  assignment(): TopicPartition[] {
    return [...this.owned.values()].filter((p) => !p.revoked).map((p) => p.tp);
  }

  async commit(offsets: TopicPartitionOffset[]): Promise<void> {
    if (offsets.length === 0) return;
    const list = offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: o.offset }));
    const doing = `commit offsets of group ${this.options.groupId}`;
    await new Promise<void>((resolve, reject) => {
      const pending: PendingCommit = { offsets: commitKey(list), resolve, reject: (err) => reject(toStreamError(err, doing)) };
      this.commits.push(pending);
      try {
        this.consumer.commit(list);
      } catch (err) {
        this.commits.splice(this.commits.indexOf(pending), 1);
        pending.reject(err);
      }
    });
  }

  /** librdkafka answers commits in the order they were sent; the offsets say which one this is. */
  private commitDone(err: RdKafka.LibrdKafkaError | undefined, offsets: RdKafka.TopicPartitionOffset[]): void {
    const key = commitKey(offsets);
    const found = this.commits.findIndex((c) => c.offsets === key);
    const [pending] = this.commits.splice(Math.max(0, found), 1);
    if (!pending) return;
    if (err && err.code !== 0) pending.reject(err);
    else pending.resolve();
  }

  committed(topics: string[]): Promise<TopicPartitionOffset[]> {
    return this.admin.fetchCommittedOffsets(this.options.groupId, topics);
  }

  position(tp: TopicPartition): number | undefined {
    return this.owned.get(topicPartitionKey(tp))?.position;
  }

  seek(position: TopicPartitionOffset): void {
    requireOwned(this.owned, position);
    const key = topicPartitionKey(position);
    const p = this.owned.get(key)!;
    // A seek asked for while the assignment is applied (onPartitionsAssigned) is its start.
    if (this.assigning?.has(key)) {
      this.assigning.set(key, position.offset);
      p.position = position.offset;
      return;
    }
    p.seeks++;
    p.queue = [];
    p.head = 0;
    p.queuedBytes = 0;
    p.position = position.offset;
    p.pendingSeek = position.offset;
    p.discardThrough = Number.POSITIVE_INFINITY;
    p.notBefore = 0;
    this.release(p);
  }

  async seekToTimestamp(topic: string, timestamp: number): Promise<void> {
    for (const offset of await ownedOffsetsAt(this.admin, this.owned, topic, timestamp)) this.seek(offset);
  }

  pause(partitions: TopicPartition[]): void {
    for (const tp of partitions) requireOwned(this.owned, tp);
    for (const tp of partitions) {
      const p = this.owned.get(topicPartitionKey(tp))!;
      p.userPaused = true;
      this.syncPause(p);
    }
  }

  resume(partitions: TopicPartition[]): void {
    for (const tp of partitions) requireOwned(this.owned, tp);
    for (const tp of partitions) {
      const p = this.owned.get(topicPartitionKey(tp))!;
      p.userPaused = false;
      this.syncPause(p);
      this.schedule(p);
    }
  }

  async stop(): Promise<void> {
    if (this.state === 'stopped') return;
    const wasRunning = this.state === 'running';
    this.state = 'stopped';
    this.onStopped(this);
    this.joined();
    if (!wasRunning) return;
    // No batch starts now; the ones in hand finish (their commits answered by the loop's
    // consume calls) before the member leaves the group.
    await Promise.all([...this.owned.values()].map((p) => p.delivering));
    await this.rebalancing;
    this.fetching = false;
    await this.loop;
    // Leaving the group revokes what is left through the rebalance callback, which close() waits for.
    try {
      this.consumer.unsubscribe();
    } catch (err) {
      this.logger.debug({ err }, `unsubscribe: ${describeError(err)}`);
    }
    await callback('disconnect consumer', (done) => this.consumer.disconnect((err) => done(err))).catch((err: unknown) =>
      this.logger.warn({ err }, `consumer disconnect: ${describeError(err)}`),
    );
    await this.rebalancing;
    for (const pending of this.commits.splice(0)) pending.reject(new StreamError('WEIR_BUS_CLOSED', `consumer of group ${this.options.groupId} stopped before its commit was answered`));
    await this.revoke([...this.owned.values()].map((p) => p.tp), false);
  }

  /** librdkafka's rebalance event: applied after the ones before it, while the fetch loop goes on. */
  private rebalanced(err: RdKafka.LibrdKafkaError, assignment: RdKafka.Assignment[]): void {
    const partitions = assignment.map(({ topic, partition }) => ({ topic, partition }));
    const assigned = err?.code === ASSIGN_PARTITIONS;
    this.rebalancing = this.rebalancing
      .then(() => (assigned ? this.assign(partitions) : this.revoke(partitions, true)))
      .catch((error: unknown) => this.logger.error({ err: error }, `rebalance failed: ${describeError(error)}`));
  }

  /**
   * Partitions are assigned in librdkafka once onPartitionsAssigned resolved, from the offsets
   * its seeks asked for (else the committed ones): nothing is fetched for them before.
   */
  private async assign(partitions: TopicPartition[]): Promise<void> {
    const added = partitions.filter((tp) => !this.owned.has(topicPartitionKey(tp)));
    const entries = added.map((tp) => newPartition(tp));
    for (const p of entries) this.owned.set(p.key, p);
    const starts = new Map<string, number>(partitions.map((tp) => [topicPartitionKey(tp), FROM_COMMITTED]));
    this.assigning = starts;
    try {
      if (this.state === 'running') {
        await this.startUncommittedAtLatest(added);
        if (added.length > 0) await this.rebalanceCallback('onPartitionsAssigned', added);
      }
    } finally {
      this.assigning = null;
    }
    // librdkafka keeps a partition's pause across unassign and assign: one this member paused
    // before it was revoked would come back paused, and never be fetched again.
    this.resumeInClient(added);
    try {
      this.consumer.incrementalAssign(partitions.map((tp) => ({ ...tp, offset: starts.get(topicPartitionKey(tp))! })));
    } catch (err) {
      this.logger.warn({ err }, `assign: ${describeError(err)}`);
    }
    for (const p of entries) {
      p.ready = true;
      this.syncPause(p);
    }
    this.joined();
  }

  /**
   * Partitions taken away: nothing more is delivered, the batches in hand finish, then
   * onPartitionsRevoked runs and, when librdkafka asked, they are unassigned there.
   */
  private async revoke(partitions: TopicPartition[], unassign: boolean): Promise<void> {
    const revoked = partitions.map((tp) => this.owned.get(topicPartitionKey(tp))).filter((p): p is OwnedPartition => p !== undefined && !p.revoked);
    for (const p of revoked) p.revoked = true;
    await Promise.all(revoked.map((p) => p.delivering));
    for (const p of revoked) this.owned.delete(p.key);
    if (revoked.length > 0) await this.rebalanceCallback('onPartitionsRevoked', revoked.map((p) => p.tp));
    if (!unassign) return;
    this.resumeInClient(revoked.filter((p) => p.clientPaused).map((p) => p.tp));
    try {
      this.consumer.incrementalUnassign(partitions);
    } catch (err) {
      this.logger.debug({ err }, `unassign: ${describeError(err)}`);
    }
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

  private async fetchLoop(): Promise<void> {
    while (this.fetching) {
      await this.applySeeks();
      const fetch = ++this.fetches;
      let messages: RdKafka.Message[];
      try {
        messages = await callback<RdKafka.Message[]>(`consume for group ${this.options.groupId}`, (done) => this.consumer.consume(FETCH_RECORDS, done));
      } catch (err) {
        if (!this.fetching) break;
        this.logger.warn({ err }, `consume for group ${this.options.groupId}: ${describeError(err)}`);
        await sleep(FETCH_ERROR_PAUSE_MS);
        continue;
      }
      this.enqueue(fetch, messages);
      this.passOver();
    }
  }

  /** Seeks asked for since the last consume: applied between two, so that no fetched record predates one unseen. */
  private async applySeeks(): Promise<void> {
    for (const p of this.owned.values()) {
      if (p.pendingSeek === undefined || !p.ready || p.revoked) continue;
      const offset = p.pendingSeek;
      p.pendingSeek = undefined;
      try {
        // With a timeout the call returns once librdkafka applied it: its position is reset then.
        await callback(`seek ${p.key}`, (done) => this.consumer.seek({ ...p.tp, offset }, SEEK_TIMEOUT_MS, (err) => done(err)));
      } catch (err) {
        this.logger.warn({ err, ...p.tp }, `seek to ${offset}: ${describeError(err)}`);
      }
      // A consume made after the seek returned fetches from the new offset only.
      if (p.pendingSeek === undefined) p.discardThrough = this.fetches;
    }
  }

  /** Sorts one consume's records into their partitions' queues and starts their delivery. */
  private enqueue(fetch: number, messages: RdKafka.Message[]): void {
    if (this.state !== 'running') return;
    let current: OwnedPartition | undefined;
    const touched = new Set<OwnedPartition>();
    for (const m of messages) {
      if (current === undefined || current.tp.partition !== m.partition || current.tp.topic !== m.topic) {
        current = this.owned.get(topicPartitionKey({ topic: m.topic, partition: m.partition }));
      }
      if (current === undefined || !current.ready || current.revoked || fetch <= current.discardThrough) continue;
      current.queue.push(toConsumed(m.topic, m));
      current.queuedBytes += (m.value?.length ?? 0) + (m.key?.length ?? 0);
      touched.add(current);
    }
    for (const p of touched) {
      if (!p.held && p.queuedBytes >= HELD_BATCHES * this.maxBatchBytes) {
        p.held = true;
        this.syncPause(p);
      }
      this.schedule(p);
    }
  }

  /**
   * A partition with nothing queued or in hand is at librdkafka's position, which moves past
   * transaction markers and aborted records that no delivery reaches. Read between two consumes,
   * it counts no record still on its way.
   */
  private passOver(): void {
    const idle: OwnedPartition[] = [];
    for (const p of this.owned.values()) {
      if (p.ready && !p.revoked && p.delivering === null && p.head === p.queue.length && p.pendingSeek === undefined && p.discardThrough < this.fetches) idle.push(p);
    }
    if (idle.length === 0) return;
    let positions: RdKafka.TopicPartitionOffset[];
    try {
      positions = this.consumer.position(idle.map((p) => p.tp));
    } catch {
      return;
    }
    positions.forEach((found, i) => {
      const p = idle[i]!;
      if (typeof found.offset === 'number' && found.offset >= 0 && (p.position === undefined || found.offset > p.position)) p.position = found.offset;
    });
  }

  private deliverable(p: OwnedPartition): boolean {
    return this.state === 'running' && p.ready && !p.revoked && !p.userPaused && p.head < p.queue.length;
  }

  private schedule(p: OwnedPartition): void {
    if (p.delivering !== null || !this.deliverable(p)) return;
    p.delivering = this.deliverQueue(p).finally(() => (p.delivering = null));
  }

  /** Hands the partition's queue over batch by batch, while it has records and may. */
  private async deliverQueue(p: OwnedPartition): Promise<void> {
    while (this.deliverable(p)) {
      const wait = p.notBefore - Date.now();
      if (wait > 0) {
        await sleep(wait);
        continue;
      }
      await this.slots.acquire();
      try {
        if (!this.deliverable(p)) break;
        await this.deliverBatch(p);
      } finally {
        this.slots.release();
      }
    }
  }

  private async deliverBatch(p: OwnedPartition): Promise<void> {
    const seeks = p.seeks;
    const stale = () => p.seeks !== seeks || p.revoked;
    const { queue, head } = p;
    let end = head;
    let bytes = 0;
    while (end < queue.length && (end === head || bytes < this.maxBatchBytes)) {
      const m = queue[end++]!;
      bytes += (m.value?.length ?? 0) + (m.key?.length ?? 0);
    }
    const messages = queue.slice(head, end);
    const next = messages[messages.length - 1]!.offset + 1;
    try {
      await this.handler!({
        ...p.tp,
        messages,
        highWatermark: this.highWatermark(p.tp, next),
        heartbeat: async () => undefined,
        isStale: stale,
      });
    } catch (err) {
      this.logger.warn({ err, ...p.tp }, `batch handler failed, delivered again after a pause: ${describeError(err)}`);
      p.notBefore = Date.now() + REDELIVERY_PAUSE_MS;
      return;
    }
    if (stale()) return;
    p.head = end;
    p.queuedBytes -= bytes;
    p.position = next;
    if (p.head === p.queue.length) {
      p.queue = [];
      p.head = 0;
    } else if (p.head > 1024 && p.head * 2 > p.queue.length) {
      p.queue = p.queue.slice(p.head);
      p.head = 0;
    }
    if (p.held && p.queuedBytes <= RESUME_BATCHES * this.maxBatchBytes) this.release(p);
  }

  /** librdkafka's high watermark as of its last fetch, else the end of this batch. */
  private highWatermark(tp: TopicPartition, next: number): number {
    try {
      const { highOffset } = this.consumer.getWatermarkOffsets(tp.topic, tp.partition);
      return typeof highOffset === 'number' && highOffset >= next ? highOffset : next;
    } catch {
      return next;
    }
  }

  private release(p: OwnedPartition): void {
    p.held = false;
    this.syncPause(p);
  }

  /** librdkafka pauses a partition the runner paused or whose queue is full; resumed, it fetches from after its last record fetched. */
  private resumeInClient(partitions: TopicPartition[]): void {
    if (partitions.length === 0) return;
    try {
      this.consumer.resume(partitions);
    } catch (err) {
      this.logger.debug({ err }, `resume before (un)assign: ${describeError(err)}`);
    }
  }

  private syncPause(p: OwnedPartition): void {
    const paused = p.userPaused || p.held;
    if (!p.ready || p.revoked || paused === p.clientPaused) return;
    try {
      if (paused) this.consumer.pause([p.tp]);
      else this.consumer.resume([p.tp]);
      p.clientPaused = paused;
    } catch (err) {
      this.logger.warn({ err, ...p.tp }, `${paused ? 'pause' : 'resume'}: ${describeError(err)}`);
    }
  }
}

function newPartition(tp: TopicPartition): OwnedPartition {
  return {
    tp,
    key: topicPartitionKey(tp),
    ready: false,
    revoked: false,
    queue: [],
    head: 0,
    queuedBytes: 0,
    position: undefined,
    seeks: 0,
    pendingSeek: undefined,
    discardThrough: 0,
    userPaused: false,
    held: false,
    clientPaused: false,
    delivering: null,
    notBefore: 0,
  };
}

function commitKey(offsets: ReadonlyArray<{ topic: string; partition: number; offset?: number }>): string {
  return offsets
    .map((o) => `${o.topic}:${o.partition}:${o.offset ?? ''}`)
    .sort()
    .join(',');
}

/** librdkafka takes a subscription starting with ^ as a regular expression (without flags). */
function patternTopic(pattern: RegExp): string {
  return pattern.source.startsWith('^') ? pattern.source : `^${pattern.source}`;
}

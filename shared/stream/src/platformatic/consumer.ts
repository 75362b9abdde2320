/**
 * A consumer-group member on @platformatic/kafka. The client's Consumer joins the group,
 * heartbeats and rebalances (cooperative-sticky: a rebalance moves only the partitions that
 * change owner); records are fetched here, with the client's `fetch` (fetch sessions,
 * read_committed with aborted records filtered), rather than through its message stream, which
 * hands records over one by one and has no per-partition seek or pause. A pattern subscription
 * tracks new matching topics and rejoins the group: no restart.
 *
 * Unlike librdkafka's rebalance callback, the client gives no hook before it hands partitions
 * back: onPartitionsRevoked runs after the group has moved them, once the batches in hand are
 * done. Exactly-once output stays safe (KIP-447 refuses the old generation's offsets); an
 * at-least-once member may handle a batch the new owner handles too.
 */
import { ConnectionPool, Consumer, FetchIsolationLevels, type GroupAssignment } from '@platformatic/kafka';
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
import type { KafkaConnection, KafkaTuning } from '../config.js';
import { describeError } from '../errors.js';
import { GroupConsumer, groupSessionTimeout, heartbeatInterval } from '../client/group-consumer.js';
import { ownedByTopic, ownedOffsetsAt, requireOwned } from '../client/owned-partitions.js';
import { Mutex } from '../mutex.js';
import { Semaphore } from '../semaphore.js';
import { sleep } from '../sleep.js';
import type { PlatformaticAdmin } from './admin.js';
import { platformaticClientOptions } from './client-config.js';
import { clientCall, hasApiId } from './errors.js';
import { GroupMembership } from './group-membership.js';
import { fetchedPartitions, fetchRequests, topicNamesById, type FetchedPartition } from './records.js';

const ASSIGNMENT_STRATEGY = 'cooperative-sticky';
/** How long a partition waits after its handler rejected, before the batch is delivered again. */
const REDELIVERY_PAUSE_MS = 500;
/** How long the fetch loop waits after a failed fetch. */
const FETCH_ERROR_PAUSE_MS = 500;

interface OwnedPartition {
  readonly tp: TopicPartition;
  /** The next record to hand over; undefined until the start offset is known. */
  next: number | undefined;
  /** Where the next fetch starts: past the batch in hand while one is being handled. */
  fetchFrom: number | undefined;
  /** Fetched while the batch in hand is being handled: delivered next. */
  queued: FetchedPartition | null;
  /** After the last record handled or passed over. */
  position: number | undefined;
  /** Bumped by every seek: a batch fetched before it is stale. */
  seeks: number;
  paused: boolean;
  /** Set once onPartitionsAssigned resolved: nothing is delivered before. */
  ready: boolean;
  revoked: boolean;
  /** Not fetched before this time (a handler rejected). */
  notBefore: number;
}

export class PlatformaticConsumer extends GroupConsumer implements BusConsumer {
  readonly client: Consumer<Buffer, Buffer, Buffer, Buffer>;
  private readonly owned = new Map<string, OwnedPartition>();
  /** Assignments are applied one at a time, in the order the group hands them out. */
  private readonly rebalances = new Mutex();
  private readonly latestStart = new Map<string, number>();
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly slots: Semaphore;
  private loop: Promise<void> | null = null;
  private watcher: NodeJS.Timeout | null = null;
  private wakeUp: (() => void) | null = null;
  private readonly maxBytes: number;
  /**
   * Fetches go on connections of their own: a broker answers one connection's requests in
   * order, so a commit sent behind a long-polling fetch would wait out its maxWaitTime.
   */
  private readonly fetchPool: ConnectionPool;
  private readonly groupOptions: { sessionTimeout: number; rebalanceTimeout: number; heartbeatInterval: number; protocols: Array<{ name: string; version: number }> };

  constructor(
    connection: KafkaConnection,
    private readonly admin: PlatformaticAdmin,
    options: ConsumerOptions,
    private readonly tuning: KafkaTuning,
    logger: Logger,
    private readonly onStopped: (c: PlatformaticConsumer) => void,
  ) {
    super(options, logger);
    const sessionTimeout = groupSessionTimeout(options, tuning);
    this.groupOptions = {
      sessionTimeout,
      rebalanceTimeout: Math.max(sessionTimeout, 30_000),
      heartbeatInterval: heartbeatInterval(sessionTimeout),
      protocols: [{ name: ASSIGNMENT_STRATEGY, version: 1 }],
    };
    this.maxBytes = options.maxBatchBytes ?? DEFAULT_MAX_BATCH_BYTES_PER_PARTITION;
    this.slots = new Semaphore(Math.max(1, options.concurrency ?? 1));
    const clientOptions = platformaticClientOptions(connection, tuning, 'consumer');
    this.fetchPool = new ConnectionPool(`${clientOptions.clientId}-fetch`, clientOptions);
    this.client = new Consumer<Buffer, Buffer, Buffer, Buffer>({
      ...clientOptions,
      groupId: options.groupId,
      autocommit: false,
      isolationLevel: options.isolation === 'read_uncommitted' ? FetchIsolationLevels.READ_UNCOMMITTED : FetchIsolationLevels.READ_COMMITTED,
      maxWaitTime: tuning.maxWaitTimeMs,
      minBytes: 1,
      maxBytes: this.maxBytes * 16,
      ...this.groupOptions,
    });
    // The client reports a failed rejoin as an 'error' event; unheard, it would crash the process.
    this.client.on('error', (err: Error) => this.fail(err));
    this.client.on('consumer:group:join', ({ assignments }) => {
      void this.rebalances.run(() => this.applyAssignment(assignments ?? []));
    });
  }

  /** This member as a transaction's offsets are committed under (KIP-447). */
  membership(): GroupMembership {
    return new GroupMembership(this.client, true);
  }

  async run(handler: BatchHandler): Promise<void> {
    const subscription = this.startRunning(handler);
    const topics = await this.matchingTopics();
    if (this.options.startFrom === 'latest') {
      for (const topic of topics) {
        for (const { partition, high } of await this.admin.fetchTopicOffsets(topic)) this.latestStart.set(topicPartitionKey({ topic, partition }), high);
      }
    }
    this.client.topics.trackAll(...topics);
    await clientCall(`join group ${this.options.groupId}`, () => this.client.joinGroup({ ...this.groupOptions }));
    if (subscription instanceof RegExp) {
      this.watcher = setInterval(() => void this.watchTopics(), this.tuning.topicWatchIntervalMs);
    }
    this.loop = this.fetchLoop();
  }

  assignment(): TopicPartition[] {
    return [...this.owned.values()].filter((p) => !p.revoked).map((p) => p.tp);
  }

  async commit(offsets: TopicPartitionOffset[]): Promise<void> {
    if (offsets.length === 0) return;
    await clientCall(`commit offsets of group ${this.options.groupId}`, () =>
      this.client.commit({ offsets: offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: BigInt(o.offset), leaderEpoch: -1 })) }),
    );
  }

  committed(topics: string[]): Promise<TopicPartitionOffset[]> {
    return this.admin.fetchCommittedOffsets(this.options.groupId, topics);
  }

  position(tp: TopicPartition): number | undefined {
    return this.owned.get(topicPartitionKey(tp))?.position;
  }

  seek(position: TopicPartitionOffset): void {
    requireOwned(this.owned, position);
    const partition = this.owned.get(topicPartitionKey(position))!;
    partition.next = partition.fetchFrom = position.offset;
    partition.queued = null;
    partition.seeks++;
    partition.notBefore = 0;
    this.wake();
  }

  async seekToTimestamp(topic: string, timestamp: number): Promise<void> {
    for (const offset of await ownedOffsetsAt(this.admin, this.owned, topic, timestamp)) this.seek(offset);
  }

  pause(partitions: TopicPartition[]): void {
    ownedByTopic(this.owned, partitions);
    for (const tp of partitions) this.owned.get(topicPartitionKey(tp))!.paused = true;
  }

  resume(partitions: TopicPartition[]): void {
    ownedByTopic(this.owned, partitions);
    for (const tp of partitions) this.owned.get(topicPartitionKey(tp))!.paused = false;
    this.wake();
  }

  async stop(): Promise<void> {
    if (this.state === 'stopped') return;
    const wasRunning = this.state === 'running';
    this.state = 'stopped';
    this.onStopped(this);
    if (this.watcher) clearInterval(this.watcher);
    this.wake();
    if (wasRunning) {
      await this.loop;
      await Promise.all(this.inFlight.values());
      // The callback form: the declarations' first overload returns void for a promise call.
      await new Promise<void>((resolve, reject) => this.client.leaveGroup(false, (err) => (err ? reject(err) : resolve()))).catch((err: unknown) =>
        this.logger.warn({ err }, `leave group: ${describeError(err)}`),
      );
      await this.rebalances.run(() => this.revoke([...this.owned.keys()]));
    }
    await this.fetchPool.close().catch(() => undefined);
    await this.client.close().catch(() => undefined);
  }

  private async matchingTopics(): Promise<string[]> {
    const subscription = this.subscription!;
    if (!(subscription instanceof RegExp)) return subscription;
    return (await this.admin.listTopics()).filter((t) => subscription.test(t));
  }

  /** A pattern subscription: new matching topics join the subscription, and the member rejoins. */
  private async watchTopics(): Promise<void> {
    if (this.state !== 'running') return;
    try {
      const fresh = (await this.matchingTopics()).filter((t) => !this.client.topics.has(t));
      if (fresh.length === 0 || this.state !== 'running') return;
      this.client.topics.trackAll(...fresh);
      await this.client.joinGroup({ ...this.groupOptions });
    } catch (err) {
      this.logger.warn({ err }, `pattern subscription: ${describeError(err)}`);
    }
  }

  private async applyAssignment(assignments: GroupAssignment[]): Promise<void> {
    if (this.state !== 'running') return;
    const now = new Set<string>();
    const tps: TopicPartition[] = [];
    for (const { topic, partitions } of assignments) {
      for (const partition of partitions) {
        const tp = { topic, partition };
        now.add(topicPartitionKey(tp));
        tps.push(tp);
      }
    }
    await this.revoke([...this.owned.keys()].filter((key) => !now.has(key)));
    const added = tps.filter((tp) => !this.owned.has(topicPartitionKey(tp)));
    if (added.length === 0) return;
    const entries = added.map((tp): OwnedPartition => ({ tp, next: undefined, fetchFrom: undefined, queued: null, position: undefined, seeks: 0, paused: false, ready: false, revoked: false, notBefore: 0 }));
    for (const entry of entries) this.owned.set(topicPartitionKey(entry.tp), entry);
    try {
      await this.startOffsets(entries);
    } catch (err) {
      this.fail(err);
      return;
    }
    await this.rebalanceCallback('onPartitionsAssigned', added);
    for (const entry of entries) entry.ready = true;
    this.wake();
  }

  /** Committed offsets, else the end as of run() for "latest", else the beginning. */
  private async startOffsets(entries: OwnedPartition[]): Promise<void> {
    const topics = [...new Set(entries.map((e) => e.tp.topic))];
    const committed = new Map((await this.admin.fetchCommittedOffsets(this.options.groupId, topics)).map((o) => [topicPartitionKey(o), o.offset]));
    const lows = new Map<string, number>();
    for (const topic of topics) for (const { partition, low } of await this.admin.fetchTopicOffsets(topic)) lows.set(topicPartitionKey({ topic, partition }), low);
    for (const entry of entries) {
      const key = topicPartitionKey(entry.tp);
      entry.next = entry.fetchFrom = committed.get(key) ?? this.latestStart.get(key) ?? lows.get(key) ?? 0;
    }
  }

  private async revoke(keys: string[]): Promise<void> {
    const revoked = keys.map((key) => this.owned.get(key)).filter((p): p is OwnedPartition => p !== undefined && !p.revoked);
    if (revoked.length === 0) return;
    for (const p of revoked) p.revoked = true;
    await Promise.all(revoked.map((p) => this.inFlight.get(topicPartitionKey(p.tp))));
    for (const p of revoked) this.owned.delete(topicPartitionKey(p.tp));
    await this.rebalanceCallback('onPartitionsRevoked', revoked.map((p) => p.tp));
  }

  private fail(err: unknown): void {
    if (this.state !== 'running') return;
    const error = err instanceof Error ? err : new Error(String(err));
    this.logger.error({ err: error }, `consumer of group ${this.options.groupId} failed: ${describeError(error)}`);
    this.options.onFailure?.(error);
  }

  private wake(): void {
    const wake = this.wakeUp;
    this.wakeUp = null;
    wake?.();
  }

  /** Until woken (assignment, seek, resume, stop) or `ms` pass. */
  private idle(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.wakeUp = null;
        resolve();
      }, ms);
      this.wakeUp = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  private fetchable(now: number): OwnedPartition[] {
    const result: OwnedPartition[] = [];
    for (const p of this.owned.values()) {
      if (p.ready && !p.paused && !p.revoked && p.fetchFrom !== undefined && p.queued === null && p.notBefore <= now) result.push(p);
    }
    return result;
  }

  /**
   * Fetches for every partition that has room, without waiting for the batches in hand: a
   * partition being handled has its next batch fetched meanwhile (one, kept until the handler
   * is done), so the handler rarely waits for the broker.
   */
  private async fetchLoop(): Promise<void> {
    while (this.state === 'running') {
      const wanted = this.fetchable(Date.now());
      if (wanted.length === 0) {
        await this.idle(this.tuning.maxWaitTimeMs);
        continue;
      }
      try {
        for (const f of await this.fetch(wanted)) this.fetched(f.owner, f.seeks, f.partition);
      } catch (err) {
        if (this.state !== 'running') break;
        this.logger.warn({ err }, `fetch for group ${this.options.groupId}: ${describeError(err)}`);
        if (hasApiId(err, 'OFFSET_OUT_OF_RANGE')) await this.clampOffsets(wanted);
        await sleep(FETCH_ERROR_PAUSE_MS);
      }
    }
  }

  private async fetch(wanted: OwnedPartition[]): Promise<Array<{ partition: FetchedPartition; owner: OwnedPartition; seeks: number }>> {
    const asked = new Map(wanted.map((p) => [topicPartitionKey(p.tp), { owner: p, seeks: p.seeks, from: p.fetchFrom! }]));
    const metadata = await this.client.metadata({ topics: [...new Set(wanted.map((p) => p.tp.topic))] });
    const names = topicNamesById(metadata);
    const requests = fetchRequests(metadata, wanted.map((p) => ({ ...p.tp, offset: p.fetchFrom! })), this.maxBytes);
    const responses = await Promise.all([...requests].map(([node, topics]) => this.client.fetch({ node, topics, connectionPool: this.fetchPool })));
    return responses.flatMap((response) =>
      fetchedPartitions(response, names, (topic, partition) => asked.get(topicPartitionKey({ topic, partition }))?.from).map((partition) => {
        const { owner, seeks } = asked.get(topicPartitionKey(partition))!;
        return { partition, owner, seeks };
      }),
    );
  }

  /** A fetch's records for one partition: handed over now, or after the batch in hand. */
  private fetched(owner: OwnedPartition, seeks: number, fetched: FetchedPartition): void {
    if (this.isStale(owner, seeks) || this.state !== 'running') return;
    owner.fetchFrom = fetched.next;
    if (fetched.messages.length === 0) {
      // Only markers or aborted records: passed over (after the batch in hand, if any).
      if (!this.inFlight.has(topicPartitionKey(owner.tp)) && fetched.next > owner.next!) owner.next = owner.position = fetched.next;
      return;
    }
    if (this.inFlight.has(topicPartitionKey(owner.tp))) owner.queued = fetched;
    else this.startDelivery(owner, seeks, fetched);
  }

  private isStale(owner: OwnedPartition, seeks: number): boolean {
    return owner.revoked || owner.seeks !== seeks || this.owned.get(topicPartitionKey(owner.tp)) !== owner;
  }

  /** Delivers `first`, then what was fetched meanwhile, until nothing is queued. */
  private startDelivery(owner: OwnedPartition, seeks: number, first: FetchedPartition): void {
    const key = topicPartitionKey(owner.tp);
    const delivering = (async () => {
      let batch: FetchedPartition | null = first;
      while (batch !== null && !this.isStale(owner, seeks) && this.state === 'running') {
        const delivered = await this.deliver(owner, seeks, batch);
        batch = owner.queued;
        owner.queued = null;
        // A queued batch is from where this one ended: after a rejected or stale one it is not.
        if (!delivered || (batch !== null && batch.messages[0]!.offset < owner.next!)) batch = null;
      }
      owner.queued = null;
      if (!this.isStale(owner, seeks)) owner.fetchFrom = owner.next;
    })().finally(() => {
      this.inFlight.delete(key);
      this.wake();
    });
    this.inFlight.set(key, delivering);
  }

  /** Hands one batch to the handler; true when it resolved and the position moved past it. */
  private async deliver(owner: OwnedPartition, seeks: number, fetched: FetchedPartition): Promise<boolean> {
    const stale = () => this.isStale(owner, seeks);
    await this.slots.acquire();
    try {
      if (stale() || this.state !== 'running') return false;
      await this.handler!({
        topic: fetched.topic,
        partition: fetched.partition,
        messages: fetched.messages,
        highWatermark: fetched.highWatermark,
        heartbeat: async () => undefined,
        isStale: stale,
      });
      if (stale()) return false;
      owner.next = owner.position = fetched.next;
      return true;
    } catch (err) {
      this.logger.warn({ err, ...owner.tp }, `batch handler failed, delivered again after a pause: ${describeError(err)}`);
      owner.notBefore = Date.now() + REDELIVERY_PAUSE_MS;
      return false;
    } finally {
      this.slots.release();
    }
  }

  /** A position outside the log (records deleted, a seek too far): the nearest end. */
  private async clampOffsets(wanted: OwnedPartition[]): Promise<void> {
    for (const topic of new Set(wanted.map((p) => p.tp.topic))) {
      const offsets = await this.admin.fetchTopicOffsets(topic).catch(() => []);
      for (const { partition, low, high } of offsets) {
        const p = this.owned.get(topicPartitionKey({ topic, partition }));
        if (p?.fetchFrom !== undefined) p.next = p.fetchFrom = Math.min(Math.max(p.fetchFrom, low), high);
      }
    }
  }
}

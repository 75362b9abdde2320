/**
 * How a batch's results become durable. Both strategies write the same unit: the outputs and
 * dead letters, the state changelog records, and the input offset to commit.
 *
 * At-least-once: produce outputs (acks from all in-sync replicas), then the changelog, then
 * commit the offset, behind the next unit's produce. A crash in between replays the batch:
 * outputs may repeat; state does not double-count, because the changelog's offset record says
 * what the state already includes.
 *
 * Exactly-once: all three in one Kafka transaction, so a read_committed reader sees a batch's
 * outputs exactly once, together with the state and offsets that produced them.
 * The transactional id is per INPUT PARTITION (`<groupId>.<topic>.<partition>`), not per
 * instance. kafkajs commits offsets in a transaction without the consumer group's generation
 * (no KIP-447), so fencing has to come from the transactional id itself: whoever is assigned a
 * partition opens its producer, which bumps the id's epoch, aborts the previous owner's open
 * transaction, and makes that (zombie) owner's next write fail with WEIR_BUS_FENCED. A per-
 * instance id cannot do that: the new owner of a partition has a different id than the zombie.
 * The cost is one producer (connection set) per owned input partition.
 */
import type { Logger } from 'pino';
import type { Bus, BusConsumer, BusProducer, OutgoingMessage, TopicPartition, TopicPartitionOffset } from '../bus.js';
import { describeError, isStreamError, StreamError } from '../errors.js';
import type { StageMetrics } from '../metrics.js';
import type { RetryPolicy } from '../retry.js';
import { sleep } from '../sleep.js';
import type { DependencyWaits } from './dependency-wait.js';

export interface DeliveryUnit {
  /** Outputs and dead letters. */
  outputs: OutgoingMessage[];
  changelog: OutgoingMessage[];
  /** The next input offset to commit; absent for timer outputs and restore barriers. */
  commit?: TopicPartitionOffset;
}

/** Writes the units of one input partition. */
export interface PartitionWriter {
  /**
   * Resolves once the outputs and changelog are durable (and, exactly-once, the offset with
   * them); throws WEIR_BUS_FENCED when the partition now belongs to someone else.
   */
  write(unit: DeliveryUnit): Promise<void>;
  /**
   * How many units the runner may have in flight at once. `write` makes them durable in the
   * order it was called: a unit resolves only after every unit before it, and when one fails
   * every unit after it fails too.
   */
  readonly depth: number;
  /** Resolves once every offset written so far is committed (or its commit given up on). */
  flush(): Promise<void>;
  /** Flushes, then lets go of the partition. */
  close(): Promise<void>;
}

export interface Delivery {
  open(partition: TopicPartition): Promise<PartitionWriter>;
  close(): Promise<void>;
}

export interface DeliveryContext {
  bus: Bus;
  groupId: string;
  signal: AbortSignal;
  retry: RetryPolicy;
  logger: Logger;
  metrics: StageMetrics;
  /** Retries with backoff, counted and reported as a dependency wait. */
  waits: DependencyWaits;
}

function retried<T>(ctx: DeliveryContext, operation: string, attempt: (n: number) => Promise<T>, retryable: (error: unknown) => boolean = notFenced) {
  return ctx.waits.retry(operation, attempt, { retryable });
}

const notFenced = (error: unknown) => !isStreamError(error, 'WEIR_BUS_FENCED') && !isStreamError(error, 'WEIR_BUS_CLOSED');

/** Commit failures after a rebalance cannot be fixed by retrying within this generation. */
const COMMIT_ATTEMPTS = 3;

export class AtLeastOnceDelivery implements Delivery {
  private constructor(
    private readonly ctx: DeliveryContext,
    private readonly producer: BusProducer,
    private readonly consumer: () => BusConsumer,
    private readonly writesInFlight: number,
  ) {}

  /** `writesInFlight`: units of a partition in flight at once (see AtLeastOnceWriter). */
  static async create(ctx: DeliveryContext, consumer: () => BusConsumer, writesInFlight: number): Promise<AtLeastOnceDelivery> {
    // Nothing reads where the records landed: a client may spare its per-record reports.
    const producer = await retried(ctx, 'open producer', () => ctx.bus.producer({ recordMetadata: false }));
    return new AtLeastOnceDelivery(ctx, producer, consumer, Math.max(1, Math.floor(writesInFlight)));
  }

  async open(partition: TopicPartition): Promise<PartitionWriter> {
    // A client that may reorder concurrent sends gets one unit in flight per partition.
    return new AtLeastOnceWriter(this, partition, this.producer.ordersSends ? this.writesInFlight : 1);
  }

  /**
   * Resolves once the records are durable; transient failures are retried. `attempt` hears of
   * every attempt once the producer has the records, and of its failure.
   */
  async send(operation: 'produce' | 'checkpoint', messages: OutgoingMessage[], attempt?: AttemptListener): Promise<void> {
    if (messages.length === 0) {
      // Nothing to put in order: the units behind need not wait for this one to be durable.
      attempt?.handedOver();
      return;
    }
    await retried(this.ctx, operation, () => {
      const sent = this.producer.send(messages);
      attempt?.handedOver();
      return sent.catch((error: unknown) => {
        attempt?.failed();
        throw error;
      });
    });
  }

  async commit(partition: TopicPartition, offset: TopicPartitionOffset): Promise<void> {
    const { ctx } = this;
    try {
      await retried(
        ctx,
        'commit',
        (attempt) => {
          if (attempt > COMMIT_ATTEMPTS) throw new StreamError('WEIR_BUS_NOT_ASSIGNED', 'commit keeps failing');
          return this.consumer().commit([offset]);
        },
        (e) => notFenced(e) && !isStreamError(e, 'WEIR_BUS_NOT_ASSIGNED'),
      );
    } catch (error) {
      // Usually a rebalance took the partition: whoever owns it now replays from the last commit,
      // which at-least-once allows; the changelog offset keeps state from counting twice.
      ctx.logger.warn({ err: error, partition }, `offset not committed, the batch may be replayed: ${describeError(error)}`);
    }
  }

  async close(): Promise<void> {
    await this.producer.close();
  }
}

/**
 * Units written while the ones before them are still in flight (at most the run's
 * `writesInFlight`, with a producer that keeps concurrent sends in call order:
 * BusProducer.ordersSends): a unit's
 * outputs are handed to the producer at once, behind the earlier units' (the producer keeps
 * that order per partition), so it batches the records of several units and partitions into its
 * requests, and the broker's round trips overlap the processing of the chunks after it. What
 * stays in order, unit by unit:
 * - the changelog is produced only once the unit's outputs and every earlier unit are durable, so
 *   a checkpoint never covers outputs that are not;
 * - a unit is done only after the one before it, and fails when it failed (the runner then stops
 *   writing the partition);
 * - when a produce attempt fails (to be retried), the units handed over behind it may land
 *   before its retry: they are produced again once it is durable, in order, and the units
 *   written meanwhile wait for that. A key's newest record is never left behind an older one:
 *   the duplicates at-least-once allows, never a reordering.
 * The offset is committed behind the unit, in order, while the next units are produced: a commit
 * only says where a replay starts. An offset already overtaken by a newer one queued behind it
 * is not sent.
 */
interface AttemptListener {
  handedOver(): void;
  failed(): void;
}

/** A unit not done yet, as the units written after it see it. */
class InFlight {
  /** Its outputs are to be produced again in `complete`: an earlier unit's produce failed in front of them. */
  again = false;
  /**
   * Resolves once the produce that puts its outputs in order has been handed to the producer:
   * the next unit's outputs are handed over after that.
   */
  ordered!: Promise<void>;
  private markOrdered: () => void = () => undefined;

  constructor() {
    this.unsettle();
  }

  unsettle(): void {
    this.markOrdered();
    this.ordered = new Promise((resolve) => (this.markOrdered = resolve));
  }

  inOrder(): void {
    this.markOrdered();
  }
}

class AtLeastOnceWriter implements PartitionWriter {
  private commits: Promise<void> = Promise.resolve();
  private newest: TopicPartitionOffset | null = null;
  /** The last unit written: the next one completes after it. */
  private tail: Promise<void> = Promise.resolve();
  /** The units not done yet, oldest first. */
  private readonly pending: InFlight[] = [];

  constructor(
    private readonly delivery: AtLeastOnceDelivery,
    private readonly partition: TopicPartition,
    readonly depth: number,
  ) {}

  write(unit: DeliveryUnit): Promise<void> {
    const self = new InFlight();
    const behind = this.pending.at(-1)?.ordered ?? Promise.resolve();
    this.pending.push(self);
    const attempt: AttemptListener = {
      // A unit to be produced again is in order only with that copy.
      handedOver: () => (self.again ? undefined : self.inOrder()),
      failed: () => this.attemptFailed(self),
    };
    // Handed over right behind the unit before (at once, unless a failure unsettled it), and
    // settled into a result: `complete` reads it once the units before are done.
    const produced = behind.then(() =>
      this.delivery.send('produce', unit.outputs, attempt).then(
        () => null,
        (error: unknown) => ({ error }),
      ),
    );
    const done = this.complete(unit, self, attempt, this.tail, produced).finally(() => {
      self.inOrder();
      this.pending.splice(this.pending.indexOf(self), 1);
    });
    this.tail = done;
    return done;
  }

  /**
   * A produce attempt of `failed` failed: it is retried, and what was handed over behind it may
   * land first. Those units are produced again after it, and the units written meanwhile are
   * handed over behind their second copies.
   */
  private attemptFailed(failed: InFlight): void {
    failed.unsettle();
    for (const unit of this.pending.slice(this.pending.indexOf(failed) + 1)) {
      if (unit.again) continue;
      unit.again = true;
      unit.unsettle();
    }
  }

  private async complete(unit: DeliveryUnit, self: InFlight, attempt: AttemptListener, previous: Promise<void>, produced: Promise<{ error: unknown } | null>): Promise<void> {
    const failure = await produced;
    // A failure of the unit before is this unit's too: nothing is checkpointed or committed past it.
    await previous;
    // `send` retries transient errors: this one is for good (fenced, closed, stopping).
    if (failure) throw failure.error;
    if (self.again) {
      // Every unit before is durable now: this copy lands behind them.
      self.again = false;
      await this.delivery.send('produce', unit.outputs, attempt);
    }
    await this.delivery.send('checkpoint', unit.changelog);
    const offset = unit.commit;
    if (!offset) return;
    this.newest = offset;
    // commit() never rejects: a failed commit is logged there.
    this.commits = this.commits.then(() => (this.newest === offset ? this.delivery.commit(this.partition, offset) : undefined));
  }

  flush(): Promise<void> {
    return this.commits;
  }

  close(): Promise<void> {
    return this.commits;
  }
}

export class ExactlyOnceDelivery implements Delivery {
  constructor(private readonly ctx: DeliveryContext) {}

  async open(partition: TopicPartition): Promise<PartitionWriter> {
    const writer = new TransactionalWriter(this.ctx, `${this.ctx.groupId}.${partition.topic}.${partition.partition}`);
    await writer.connect();
    return writer;
  }

  async close(): Promise<void> {}
}

class TransactionalWriter implements PartitionWriter {
  /** One transaction at a time per transactional id. */
  readonly depth = 1;
  private producer: BusProducer | null = null;

  constructor(
    private readonly ctx: DeliveryContext,
    private readonly transactionalId: string,
  ) {}

  /** Opening the producer fences the previous owner (and waits until its transaction is settled). */
  async connect(): Promise<void> {
    await this.producer?.close().catch(() => undefined);
    this.producer = null;
    this.producer = await retried(this.ctx, 'open transactional producer', () => this.ctx.bus.producer({ transactionalId: this.transactionalId, recordMetadata: false }));
  }

  async write(unit: DeliveryUnit): Promise<void> {
    await retried(this.ctx, 'transaction', () => this.attempt(unit));
  }

  private async attempt(unit: DeliveryUnit): Promise<void> {
    if (!this.producer) await this.connect();
    const producer = this.producer!;
    const transaction = await producer.beginTransaction();
    let committing = false;
    try {
      await transaction.send([...unit.outputs, ...unit.changelog]);
      if (unit.commit) await transaction.sendOffsets(this.ctx.groupId, [unit.commit]);
      committing = true;
      await transaction.commit();
    } catch (error) {
      if (!notFenced(error)) throw error;
      if (!committing) {
        await transaction.abort().catch(() => this.reconnectLater());
        throw error;
      }
      // The commit's outcome is unknown. Re-opening the producer settles the transaction either
      // way; the committed offset then tells which way it went.
      await this.connect();
      if (unit.commit && (await this.committedAtLeast(unit.commit))) return;
      throw error;
    }
  }

  private reconnectLater(): void {
    const stale = this.producer;
    this.producer = null;
    void stale?.close().catch(() => undefined);
  }

  /**
   * Kafka applies transactional offsets to the group shortly after the transaction completes, so
   * a "no" is asked again a few times before it is believed.
   */
  private async committedAtLeast(target: TopicPartitionOffset): Promise<boolean> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const committed = await this.ctx.bus.admin.fetchCommittedOffsets(this.ctx.groupId, [target.topic]);
      const offset = committed.find((o) => o.partition === target.partition)?.offset;
      if (offset !== undefined && offset >= target.offset) return true;
      await sleep(100, this.ctx.signal);
    }
    return false;
  }

  /** A unit's offset is committed with its transaction. */
  async flush(): Promise<void> {}

  async close(): Promise<void> {
    await this.producer?.close().catch(() => undefined);
    this.producer = null;
  }
}

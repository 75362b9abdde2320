/**
 * A producer on librdkafka's own produce call. The KafkaJS-style API wraps every record in a
 * promise; here a send is one promise, settled when the last of its records is acknowledged.
 * librdkafka batches across sends (linger.ms), so concurrent sends share requests.
 *
 * Without record metadata (ProducerOptions.recordMetadata false) there is no delivery report per
 * record: the binding turns each into a JS call, and at about 30 µs each that capped a relay near
 * 35k records/s where librdkafka alone produced 160k/s here. librdkafka then reports failed
 * records only, and a send is durable once a flush (the producer's queue empty) has passed
 * after it with no failure reported since it began. A failure fails every send of that window:
 * retried, they may repeat records, which at-least-once allows (a transaction aborts instead).
 */
import { RdKafka } from '@confluentinc/kafka-javascript';
import type { Logger } from 'pino';
import { headerBuffer, keyBuffer, type BusProducer, type BusTransaction, type OutgoingMessage, type ProducerOptions, type RecordMetadata, type TopicPartitionOffset } from '../bus.js';
import type { KafkaTuning } from '../config.js';
import { StreamError } from '../errors.js';
import { sleep } from '../sleep.js';
import type { RdKafkaConfig } from './client-config.js';
import { callback, errorCode, QUEUE_FULL, toStreamError } from './errors.js';

/** Producer settings measured on the loopback broker: linger and batch size are what a relay's speed hangs on. */
export const PRODUCER_TUNING: RdKafkaConfig = {
  'linger.ms': 2,
  'batch.num.messages': 10_000,
  'batch.size': 1_000_000,
  'queue.buffering.max.messages': 500_000,
  'queue.buffering.max.kbytes': 512 * 1024,
  'compression.type': 'none',
};

class HandOverFailure {
  constructor(
    readonly err: unknown,
    readonly from: number,
  ) {}
}

/** One send in flight: settles when every record of it has a delivery report. */
class PendingSend {
  private remaining: number;
  private readonly first = new Map<string, RecordMetadata>();
  private error: unknown = null;

  constructor(
    count: number,
    private readonly resolve: (metadata: RecordMetadata[]) => void,
    private readonly reject: (err: unknown) => void,
    private readonly doing: string,
  ) {
    this.remaining = count;
  }

  delivered(err: unknown, report: RdKafka.DeliveryReport): void {
    if (err) this.error ??= err;
    else {
      const key = `${report.topic}:${report.partition}`;
      const seen = this.first.get(key);
      if (seen === undefined || report.offset < seen.baseOffset) {
        this.first.set(key, { topic: report.topic, partition: report.partition, baseOffset: report.offset });
      }
    }
    if (--this.remaining === 0) {
      if (this.error) this.reject(toStreamError(this.error, this.doing));
      else this.resolve([...this.first.values()]);
    }
  }
}

type Opaque = PendingSend;

/**
 * Failed-record reports and flushes of a producer without per-record reports. One flush runs at a
 * time; sends that hand their records over meanwhile wait for the next one.
 */
class FlushTracker {
  private failures = 0;
  private lastFailure: unknown = null;
  private flushing: Promise<boolean> | null = null;

  constructor(
    private readonly producer: RdKafka.Producer,
    private readonly timeoutMs: number,
  ) {}

  failed(err: unknown): void {
    this.failures++;
    this.lastFailure = err;
  }

  /** Failures so far: a send compares it with the count after its flush. */
  mark(): number {
    return this.failures;
  }

  /** Resolves once every record handed over before the call is written; rejects when a failure was reported since `mark`. */
  async durable(mark: number, doing: string): Promise<void> {
    for (;;) {
      // A flush already running may have started before these records were handed over.
      if (this.flushing) await this.flushing;
      const flushed = await (this.flushing ??= this.flushOnce().finally(() => (this.flushing = null)));
      // The failure reports of the flushed records reach JS through another libuv handle than the
      // flush's completion, in the same loop turn: past setImmediate they have been delivered.
      await new Promise((resolve) => setImmediate(resolve));
      if (this.failures !== mark) throw toStreamError(this.lastFailure, doing);
      if (flushed) return;
    }
  }

  /** False when it timed out with records still queued (a broker away): flushed again, until they are written or fail. */
  private flushOnce(): Promise<boolean> {
    return new Promise((resolve) => {
      try {
        this.producer.flush(this.timeoutMs, (err) => resolve(!err));
      } catch {
        resolve(false);
      }
    });
  }
}

/** The consumer whose group metadata a transaction's offsets are committed under (KIP-447). */
export type GroupMetadataSource = (groupId: string) => Promise<RdKafka.KafkaConsumer>;

export class ConfluentProducer implements BusProducer {
  /** librdkafka queues each partition's records in produce-call order; hand-overs run one at a time (below). */
  readonly ordersSends = true;
  private closed = false;
  /** The hand-over running: one waiting out a full queue must not let a later send's records in first. */
  private handing: Promise<void> = Promise.resolve();
  private inTransaction = false;
  private fatal: StreamError | null = null;

  private constructor(
    private readonly producer: RdKafka.Producer,
    /** Null when every record's delivery is reported (record metadata wanted). */
    private readonly flushes: FlushTracker | null,
    private readonly transactionalId: string | undefined,
    private readonly tuning: KafkaTuning,
    private readonly groupConsumer: GroupMetadataSource,
    private readonly onClosed: (p: ConfluentProducer) => void,
  ) {}

  static async open(
    base: RdKafkaConfig,
    options: ProducerOptions,
    tuning: KafkaTuning,
    logger: Logger,
    groupConsumer: GroupMetadataSource,
    onClosed: (p: ConfluentProducer) => void,
  ): Promise<ConfluentProducer> {
    const { transactionalId } = options;
    const metadata = options.recordMetadata ?? true;
    const producer = new RdKafka.Producer({
      ...base,
      ...PRODUCER_TUNING,
      dr_cb: true,
      'delivery.report.only.error': !metadata,
      'enable.idempotence': true,
      acks: -1,
      // The Java client's partitioner: keyed records land where kafkajs and the embedded bus put them.
      partitioner: 'murmur2_random',
      'message.timeout.ms': Math.max(tuning.requestTimeoutMs, 10_000),
      ...(transactionalId !== undefined ? { 'transactional.id': transactionalId, 'transaction.timeout.ms': tuning.transactionTimeoutMs } : {}),
    });
    producer.on('event.error', (err) => logger.warn({ err }, `producer: ${err.message}`));
    await callback('connect producer', (done) => producer.connect({ timeout: tuning.connectionTimeoutMs * 3 }, (err) => done(err)));
    producer.setPollInBackground(true);
    const flushes = metadata ? null : new FlushTracker(producer, tuning.requestTimeoutMs);
    const self = new ConfluentProducer(producer, flushes, transactionalId, tuning, groupConsumer, onClosed);
    if (flushes) producer.on('delivery-report', (err) => flushes.failed(err));
    else producer.on('delivery-report', (err, report) => (report.opaque as Opaque).delivered(err, report));
    if (transactionalId !== undefined) {
      // Registers the id, fencing any older holder; waits while the coordinator aborts its open transaction.
      await callback(`init transactional id ${transactionalId}`, (done) => producer.initTransactions(tuning.requestTimeoutMs, done));
    }
    return self;
  }

  send(messages: OutgoingMessage[]): Promise<RecordMetadata[]> {
    this.checkOpen();
    if (this.transactionalId !== undefined) {
      return Promise.reject(new StreamError('WEIR_BUS_TRANSACTION', 'a transactional producer sends inside a transaction'));
    }
    return this.produce(messages);
  }

  private async produce(messages: OutgoingMessage[]): Promise<RecordMetadata[]> {
    if (messages.length === 0) return [];
    const doing = `send to ${messages[0]!.topic}${messages.length > 1 ? ' and others' : ''}`;
    if (this.flushes) {
      const mark = this.flushes.mark();
      await this.handOver(messages, undefined);
      // In a transaction the commit flushes, and fails when a record was not written.
      if (!this.inTransaction) await this.flushes.durable(mark, doing);
      return [];
    }
    let pending!: PendingSend;
    const done = new Promise<RecordMetadata[]>((resolve, reject) => (pending = new PendingSend(messages.length, resolve, reject, doing)));
    try {
      await this.handOver(messages, pending);
    } catch (failure) {
      // Records already handed over still report; count the rest as failed so the send settles.
      const { err, from } = failure as HandOverFailure;
      for (let j = from; j < messages.length; j++) pending.delivered(err, { topic: messages[j]!.topic, partition: -1, offset: -1 } as RdKafka.DeliveryReport);
    }
    return done;
  }

  /**
   * Gives librdkafka the records, one produce call each, after the hand-overs of earlier sends;
   * throws a HandOverFailure (the index of the record refused).
   */
  private handOver(messages: OutgoingMessage[], opaque: Opaque | undefined): Promise<void> {
    const turn = this.handing.then(() => this.handOverNow(messages, opaque));
    this.handing = turn.catch(() => undefined);
    return turn;
  }

  private async handOverNow(messages: OutgoingMessage[], opaque: Opaque | undefined): Promise<void> {
    for (let i = 0; i < messages.length; i++) {
      const m = messages[i]!;
      const headers = m.headers ? Object.entries(m.headers).map(([name, value]) => ({ [name]: headerBuffer(value) })) : undefined;
      for (;;) {
        try {
          // Keys as bytes: the binding cuts a string key at its first NUL (changelog keys have one).
          this.producer.produce(m.topic, m.partition ?? null, m.value, keyBuffer(m.key), m.timestamp ?? null, opaque, headers);
          break;
        } catch (err) {
          // A full local queue drains as the broker acknowledges: wait, then hand the record over again.
          if (errorCode(err) !== QUEUE_FULL) {
            if (opaque) throw new HandOverFailure(err, i);
            throw toStreamError(err, `send to ${m.topic}`);
          }
          await sleep(1);
        }
      }
    }
  }

  async beginTransaction(): Promise<BusTransaction> {
    this.checkOpen();
    const id = this.transactionalId;
    if (id === undefined) throw new StreamError('WEIR_BUS_TRANSACTION', 'transactions need a producer opened with a transactionalId');
    if (this.inTransaction) throw new StreamError('WEIR_BUS_TRANSACTION', 'one transaction at a time');
    await this.guard(`begin transaction ${id}`, (done) => this.producer.beginTransaction(done));
    this.inTransaction = true;
    let open = true;
    const active = () => {
      this.checkOpen();
      if (!open) throw new StreamError('WEIR_BUS_TRANSACTION', 'the transaction is already committed or aborted');
    };
    const end = () => {
      open = false;
      this.inTransaction = false;
    };
    return {
      send: async (messages) => {
        active();
        try {
          return await this.produce(messages);
        } catch (err) {
          throw this.noteFatal(err);
        }
      },
      sendOffsets: async (groupId: string, offsets: TopicPartitionOffset[]) => {
        active();
        if (offsets.length === 0) return;
        const consumer = await this.groupConsumer(groupId);
        await this.guard(`send offsets in transaction ${id}`, (done) =>
          this.producer.sendOffsetsToTransaction(
            offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: o.offset })),
            consumer,
            this.tuning.requestTimeoutMs,
            done,
          ),
        );
      },
      commit: async () => {
        active();
        try {
          await this.guard(`commit transaction ${id}`, (done) => this.producer.commitTransaction(this.tuning.requestTimeoutMs, done));
        } finally {
          end();
        }
      },
      abort: async () => {
        active();
        try {
          await this.guard(`abort transaction ${id}`, (done) => this.producer.abortTransaction(this.tuning.requestTimeoutMs, done));
        } finally {
          end();
        }
      },
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.onClosed(this);
    await new Promise<void>((resolve) => {
      try {
        this.producer.disconnect(5000, () => resolve());
      } catch {
        resolve();
      }
    });
  }

  /** Once fenced, a producer stays fenced: every later call says so instead of a state error. */
  private async guard(doing: string, start: (done: (err: unknown) => void) => void): Promise<void> {
    if (this.fatal) throw this.fatal;
    try {
      await callback(doing, start);
    } catch (err) {
      throw this.noteFatal(err);
    }
  }

  private noteFatal(err: unknown): unknown {
    if (err instanceof StreamError && err.code === 'WEIR_BUS_FENCED') this.fatal = err;
    return err;
  }

  private checkOpen(): void {
    if (this.closed) throw new StreamError('WEIR_BUS_CLOSED', 'producer is closed');
    if (this.fatal) throw this.fatal;
  }
}

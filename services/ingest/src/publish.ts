/**
 * Getting a request's records durably into Kafka (acknowledged by all in-sync replicas, by the
 * bus's idempotent producer) or failing it loudly.
 *
 * Nothing is buffered beyond the request: its response waits for the broker's acknowledgement
 * (else 503). The client keeps the data until then, so a refused request loses nothing; a
 * client that names its batches (Idempotency-Key, idempotency.ts) can resend without writing
 * anything twice.
 */
import { chunkMessages, DEFAULT_PRODUCE_CHUNK_BYTES, type Bus, type BusProducer, type OutgoingMessage } from '@weir/stream';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Logger } from 'pino';
import { IngestError } from './errors.js';

export interface LogPublisherOptions {
  bus: Bus;
  /** Partitions of a customer topic created by ingest. */
  partitions: number;
  /** Longest a request waits for Kafka before answering 503. */
  produceTimeoutMs: number;
  /** Seconds a 503 asks the client to wait. */
  retryAfterSeconds: number;
  /**
   * Bytes of values per produce call. Kafka refuses a record batch over the broker's
   * message.max.bytes (1 MiB by default), and one call writes one batch per partition.
   */
  maxChunkBytes?: number;
  logger: Logger;
  /** Seconds of each produce call and whether it succeeded. */
  observeProduce?: (seconds: number, ok: boolean) => void;
}

export interface Publishing {
  /** Resolves once Kafka acknowledged every record; rejects with WEIR_INGEST_UNAVAILABLE (503). */
  acknowledged: Promise<void>;
  /**
   * Settles when Kafka has finished with the records, even after a timeout answered the client:
   * only then is their memory free (the caller releases its reservation then). Never rejects;
   * resolves to how many chunks (of `chunkMessages`) Kafka acknowledged, in order.
   */
  settled: Promise<{ ackedChunks: number; ok: boolean }>;
}

export { chunkMessages };

function describe(err: unknown): string {
  if (err instanceof Error) {
    const code = 'code' in err && typeof err.code === 'string' ? `${err.code}: ` : '';
    return code + err.message;
  }
  return String(err);
}

export class LogPublisher {
  private producer: Promise<BusProducer> | undefined;
  /** Topic → its creation, shared by concurrent first requests; failures are forgotten. */
  private readonly topics = new Map<string, Promise<void>>();
  private readonly maxChunkBytes: number;

  constructor(private readonly options: LogPublisherOptions) {
    this.maxChunkBytes = options.maxChunkBytes ?? DEFAULT_PRODUCE_CHUNK_BYTES;
  }

  unavailable(doing: string, err: unknown): IngestError {
    return new IngestError('WEIR_INGEST_UNAVAILABLE', 503, `${doing} failed: ${describe(err)}`, {
      cause: err,
      retryAfterSeconds: this.options.retryAfterSeconds,
    });
  }

  /** Creates `weir.logs.<customer>` on first use; an existing topic keeps its partition count. */
  ensureTopic(topic: string): Promise<void> {
    let created = this.topics.get(topic);
    if (!created) {
      created = this.options.bus.admin
        .createTopics([{ topic, partitions: this.options.partitions }])
        .then((names) => {
          if (names.length > 0) this.options.logger.info({ topic, partitions: this.options.partitions }, 'created topic');
        });
      created.catch(() => this.topics.delete(topic));
      this.topics.set(topic, created);
    }
    return this.withTimeout(created, `creating topic ${topic}`);
  }

  /**
   * Produces the messages, in order; `acknowledged` resolves once Kafka acknowledged every one
   * and rejects with WEIR_INGEST_UNAVAILABLE (503) on a failure or past the produce timeout. A request that
   * failed half-way may have written its first chunks: the client's retry then writes them
   * again unless it skips them: `skipChunks` leaves out the first chunks, acknowledged by an
   * earlier attempt at the same messages (chunking is deterministic).
   */
  publish(messages: OutgoingMessage[], skipChunks = 0): Publishing {
    const progress = { ackedChunks: skipChunks };
    const sending = this.sendAll(messages, skipChunks, progress);
    const settled = sending.then(
      () => ({ ackedChunks: progress.ackedChunks, ok: true }),
      () => ({ ackedChunks: progress.ackedChunks, ok: false }),
    );
    return { acknowledged: this.withTimeout(sending, `producing ${messages.length} records`), settled };
  }

  async close(): Promise<void> {
    const producer = this.producer;
    this.producer = undefined;
    if (producer) await producer.then((p) => p.close()).catch(() => undefined);
  }

  private async sendAll(messages: OutgoingMessage[], skipChunks: number, progress: { ackedChunks: number }): Promise<void> {
    const producer = await this.openProducer();
    const chunks = chunkMessages(messages, this.maxChunkBytes).slice(skipChunks);
    for (let i = 0; i < chunks.length; i++) {
      const chunk = chunks[i]!;
      // A client's acknowledgement can arrive without a turn of the event loop (in-process
      // buses, a fast broker): give one between chunks, so a large body never holds it long.
      if (i > 0) await nextTurn();
      const started = performance.now();
      try {
        await producer.send(chunk);
        progress.ackedChunks++;
        this.options.observeProduce?.((performance.now() - started) / 1000, true);
      } catch (err) {
        this.options.observeProduce?.((performance.now() - started) / 1000, false);
        throw err;
      }
    }
  }

  /** One producer for the process, opened on first use and again after a failed open. */
  private openProducer(): Promise<BusProducer> {
    if (!this.producer) {
      const opening = this.options.bus.producer();
      opening.catch(() => {
        if (this.producer === opening) this.producer = undefined;
      });
      this.producer = opening;
    }
    return this.producer;
  }

  private async withTimeout<T>(work: Promise<T>, doing: string): Promise<T> {
    const { produceTimeoutMs } = this.options;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no acknowledgement from Kafka within ${produceTimeoutMs} ms`)),
        produceTimeoutMs,
      );
    });
    try {
      return await Promise.race([work, timeout]);
    } catch (err) {
      throw this.unavailable(doing, err);
    } finally {
      clearTimeout(timer);
    }
  }
}

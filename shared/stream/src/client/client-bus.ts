/**
 * What the Kafka buses of every client share: their options, and the clients they hand out and
 * close. Each client's bus says how it opens a producer, a consumer and a partition reader, and
 * what else it closes.
 */
import type { Logger } from 'pino';
import type { Bus, BusAdmin, BusConsumer, BusProducer, ConsumerOptions, PartitionReader, ProducerOptions } from '../bus.js';
import { DEFAULT_KAFKA_TUNING, type KafkaConnection, type KafkaTuning } from '../config.js';
import { silentLogger } from '../log.js';
import { OpenClients } from './open-clients.js';

export interface KafkaBusOptions {
  connection: KafkaConnection;
  tuning?: Partial<KafkaTuning>;
  logger?: Logger;
}

/** The options with the defaults filled in. */
export interface BusSettings {
  connection: KafkaConnection;
  tuning: KafkaTuning;
  logger: Logger;
}

export function busSettings(options: KafkaBusOptions): BusSettings {
  return { connection: options.connection, tuning: { ...DEFAULT_KAFKA_TUNING, ...options.tuning }, logger: options.logger ?? silentLogger() };
}

type Closable = { close(): Promise<void> };

export abstract class ClientBus<P extends BusProducer & Closable, C extends BusConsumer, R extends PartitionReader> implements Bus {
  readonly kind = 'kafka' as const;
  abstract readonly admin: BusAdmin;
  protected readonly open = new OpenClients<P, C, R>();

  protected constructor(protected readonly settings: BusSettings) {}

  async producer(options: ProducerOptions = {}): Promise<BusProducer> {
    this.beforeOpening();
    const producer = await this.openProducer(options, (p) => this.open.producers.delete(p));
    return this.adopt(producer, this.open.producers);
  }

  consumer(options: ConsumerOptions): BusConsumer {
    this.beforeOpening();
    const consumer = this.newConsumer(options, (c) => this.open.consumers.delete(c));
    this.open.consumers.add(consumer);
    return consumer;
  }

  async partitionReader(topic: string): Promise<PartitionReader> {
    this.beforeOpening();
    await this.admin.partitionCount(topic);
    return this.adopt(await this.openReader(topic), this.open.readers);
  }

  async close(): Promise<void> {
    await this.open.closeAll();
    await this.closeOwnClients();
  }

  protected abstract openProducer(options: ProducerOptions, onClosed: (p: P) => void): Promise<P>;
  protected abstract newConsumer(options: ConsumerOptions, onStopped: (c: C) => void): C;
  protected abstract openReader(topic: string): Promise<R>;
  /** What the bus itself holds open (its admin, stand-in group members), closed after the clients it handed out. */
  protected abstract closeOwnClients(): Promise<void>;

  /** Called before a client is opened: a bus may refuse here. */
  protected beforeOpening(): void {}

  /** Registers a client opened asynchronously, for `close` to close. */
  protected async adopt<T extends Closable>(client: T, open: Set<T>): Promise<T> {
    open.add(client);
    return client;
  }
}

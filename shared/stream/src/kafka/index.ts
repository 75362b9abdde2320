/** The Kafka bus: the bus interface over kafkajs. The only place in the project that imports kafkajs. */
import { Kafka, type Admin } from 'kafkajs';
import type { Logger } from 'pino';
import type { Bus, BusConsumer, BusProducer, ConsumerOptions, PartitionReader, ProducerOptions } from '../bus.js';
import { DEFAULT_KAFKA_TUNING, type KafkaConnection, type KafkaTuning } from '../config.js';
import { OpenClients } from '../client/open-clients.js';
import { StreamError } from '../errors.js';
import { silentLogger } from '../log.js';
import { KafkaAdmin } from './admin.js';
import { kafkaClientConfig } from './client-config.js';
import { KafkaConsumer } from './consumer.js';
import { kafkaCall } from './errors.js';
import { KafkaProducer } from './producer.js';
import { KafkaPartitionReader } from './reader.js';

export interface KafkaBusOptions {
  connection: KafkaConnection;
  tuning?: Partial<KafkaTuning>;
  logger?: Logger;
}

export class KafkaBus implements Bus {
  readonly kind = 'kafka' as const;
  readonly admin: KafkaAdmin;
  private readonly open = new OpenClients<KafkaProducer, KafkaConsumer, KafkaPartitionReader>();
  /** Set by `close`: a client asked for afterwards (a timed-out test's body still running) would outlive the bus. */
  private closed = false;

  private constructor(
    private readonly kafka: Kafka,
    private readonly kafkaAdmin: Admin,
    private readonly connection: KafkaConnection,
    private readonly tuning: KafkaTuning,
    private readonly logger: Logger,
  ) {
    this.admin = new KafkaAdmin(kafkaAdmin);
  }

  /** Connects the admin client, so an unreachable cluster fails here, at start-up. */
  static async connect(options: KafkaBusOptions): Promise<KafkaBus> {
    const tuning = { ...DEFAULT_KAFKA_TUNING, ...options.tuning };
    const logger = options.logger ?? silentLogger();
    const kafka = new Kafka(kafkaClientConfig(options.connection, tuning, logger));
    const admin = kafka.admin();
    await kafkaCall(`connect to Kafka at ${options.connection.brokers.join(',')}`, () => admin.connect());
    return new KafkaBus(kafka, admin, options.connection, tuning, logger);
  }

  async producer(options: ProducerOptions = {}): Promise<BusProducer> {
    this.requireOpen();
    const producer = await KafkaProducer.open(this.kafka, options, this.tuning, (p) => this.open.producers.delete(p));
    return this.adopt(producer, this.open.producers, () => producer.close());
  }

  consumer(options: ConsumerOptions): BusConsumer {
    this.requireOpen();
    const consumer = new KafkaConsumer(this.kafka, this.admin, options, this.tuning, this.logger, (c) => this.open.consumers.delete(c));
    this.open.consumers.add(consumer);
    return consumer;
  }

  async partitionReader(topic: string): Promise<PartitionReader> {
    this.requireOpen();
    await this.admin.partitionCount(topic);
    const reader = await KafkaPartitionReader.open(this.kafka, topic, this.connection.clientId, this.tuning, this.logger);
    return this.adopt(reader, this.open.readers, () => reader.close());
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.open.closeAll();
    await this.kafkaAdmin.disconnect().catch(() => undefined);
  }

  private requireOpen(): void {
    if (this.closed) throw new StreamError('WEIR_BUS_CLOSED', 'the Kafka bus is closed');
  }

  /** Registers a client opened asynchronously, or closes it if the bus was closed meanwhile. */
  private async adopt<T>(client: T, open: Set<T>, close: () => Promise<void>): Promise<T> {
    if (this.closed) {
      await close();
      this.requireOpen();
    }
    open.add(client);
    return client;
  }
}

export function connectKafkaBus(options: KafkaBusOptions): Promise<KafkaBus> {
  return KafkaBus.connect(options);
}

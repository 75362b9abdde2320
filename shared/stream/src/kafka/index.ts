/** The Kafka bus: the bus interface over kafkajs. The only place in the project that imports kafkajs. */
import { Kafka, type Admin } from 'kafkajs';
import type { ConsumerOptions, ProducerOptions } from '../bus.js';
import { busSettings, ClientBus, type BusSettings, type KafkaBusOptions } from '../client/client-bus.js';
import { StreamError } from '../errors.js';
import { KafkaAdmin } from './admin.js';
import { kafkaClientConfig } from './client-config.js';
import { KafkaConsumer } from './consumer.js';
import { kafkaCall } from './errors.js';
import { KafkaProducer } from './producer.js';
import { KafkaPartitionReader } from './reader.js';

export type { KafkaBusOptions };

export class KafkaBus extends ClientBus<KafkaProducer, KafkaConsumer, KafkaPartitionReader> {
  readonly admin: KafkaAdmin;
  /** Set by `close`: a client asked for afterwards (a timed-out test's body still running) would outlive the bus. */
  private closed = false;

  private constructor(
    private readonly kafka: Kafka,
    private readonly kafkaAdmin: Admin,
    settings: BusSettings,
  ) {
    super(settings);
    this.admin = new KafkaAdmin(kafkaAdmin);
  }

  /** Connects the admin client, so an unreachable cluster fails here, at start-up. */
  static async connect(options: KafkaBusOptions): Promise<KafkaBus> {
    const settings = busSettings(options);
    const kafka = new Kafka(kafkaClientConfig(settings.connection, settings.tuning, settings.logger));
    const admin = kafka.admin();
    await kafkaCall(`connect to Kafka at ${settings.connection.brokers.join(',')}`, () => admin.connect());
    return new KafkaBus(kafka, admin, settings);
  }

  override async close(): Promise<void> {
    this.closed = true;
    await super.close();
  }

  protected openProducer(options: ProducerOptions, onClosed: (p: KafkaProducer) => void): Promise<KafkaProducer> {
    return KafkaProducer.open(this.kafka, options, this.settings.tuning, onClosed);
  }

  protected newConsumer(options: ConsumerOptions, onStopped: (c: KafkaConsumer) => void): KafkaConsumer {
    return new KafkaConsumer(this.kafka, this.admin, options, this.settings.tuning, this.settings.logger, onStopped);
  }

  protected openReader(topic: string): Promise<KafkaPartitionReader> {
    return KafkaPartitionReader.open(this.kafka, topic, this.settings.connection.clientId, this.settings.tuning, this.settings.logger);
  }

  protected async closeOwnClients(): Promise<void> {
    await this.kafkaAdmin.disconnect().catch(() => undefined);
  }

  protected override beforeOpening(): void {
    if (this.closed) throw new StreamError('WEIR_BUS_CLOSED', 'the Kafka bus is closed');
  }

  /** A client opened while the bus was being closed is closed too, and refused. */
  protected override async adopt<T extends { close(): Promise<void> }>(client: T, open: Set<T>): Promise<T> {
    if (this.closed) {
      await client.close();
      this.beforeOpening();
    }
    return super.adopt(client, open);
  }
}

export function connectKafkaBus(options: KafkaBusOptions): Promise<KafkaBus> {
  return KafkaBus.connect(options);
}

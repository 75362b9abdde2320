/**
 * The Kafka bus on `@confluentinc/kafka-javascript` (librdkafka): the default Kafka client.
 * KIP-447: a transaction's offsets are committed under the group metadata (generation, member)
 * of this bus's running consumer of that group, so a zombie member's commit is refused.
 */
import { Kafka, type Admin } from 'kafkajs';
import { KafkaJS, RdKafka } from '@confluentinc/kafka-javascript';
import type { Logger } from 'pino';
import type { Bus, BusConsumer, BusProducer, ConsumerOptions, PartitionReader, ProducerOptions } from '../bus.js';
import { DEFAULT_KAFKA_TUNING, type KafkaConnection, type KafkaTuning } from '../config.js';
import { OpenClients } from '../client/open-clients.js';
import { silentLogger } from '../log.js';
import { KafkaAdmin } from '../kafka/admin.js';
import { kafkaClientConfig } from '../kafka/client-config.js';
import { kafkaCall } from '../kafka/errors.js';
import { ConfluentAdmin } from './admin.js';
import { clientLogger, clientLogLevel, rdkafkaClientConfig, type RdKafkaConfig } from './client-config.js';
import { ConfluentConsumer } from './consumer.js';
import { callback, clientCall } from './errors.js';
import { ConfluentProducer } from './producer.js';
import { ConfluentPartitionReader } from './reader.js';

export interface ConfluentBusOptions {
  connection: KafkaConnection;
  tuning?: Partial<KafkaTuning>;
  logger?: Logger;
}

export class ConfluentBus implements Bus {
  readonly kind = 'kafka' as const;
  readonly admin: ConfluentAdmin;
  private readonly open = new OpenClients<ConfluentProducer, ConfluentConsumer, ConfluentPartitionReader>();
  /** Group members that never join, for offsets sent for a group this bus runs no consumer of. */
  private readonly placeholders = new Map<string, Promise<RdKafka.KafkaConsumer>>();
  private configAdmin: Promise<{ raw: Admin; admin: KafkaAdmin }> | null = null;
  private readonly configClient: Kafka;

  private constructor(
    private readonly clientAdmin: KafkaJS.Admin,
    private readonly base: RdKafkaConfig,
    private readonly connection: KafkaConnection,
    private readonly tuning: KafkaTuning,
    private readonly logger: Logger,
  ) {
    this.admin = new ConfluentAdmin(clientAdmin, () => this.kafkajsAdmin());
    this.configClient = new Kafka(kafkaClientConfig(connection, tuning, logger));
  }

  /** Connects the admin client, so an unreachable cluster fails here, at start-up. */
  static async connect(options: ConfluentBusOptions): Promise<ConfluentBus> {
    const tuning = { ...DEFAULT_KAFKA_TUNING, ...options.tuning };
    const logger = options.logger ?? silentLogger();
    const base = rdkafkaClientConfig(options.connection, tuning);
    const admin = new KafkaJS.Kafka({}).admin({
      ...base,
      kafkaJS: { logger: clientLogger(logger), logLevel: clientLogLevel(logger) },
    } as KafkaJS.AdminConstructorConfig);
    await clientCall(`connect to Kafka at ${options.connection.brokers.join(',')}`, () => admin.connect());
    // The client connects lazily: ask the cluster something, so a wrong address fails now.
    await clientCall(`connect to Kafka at ${options.connection.brokers.join(',')}`, () => admin.listTopics({ timeout: tuning.connectionTimeoutMs * 3 }));
    return new ConfluentBus(admin, base, options.connection, tuning, logger);
  }

  async producer(options: ProducerOptions = {}): Promise<BusProducer> {
    const producer = await ConfluentProducer.open(
      this.base,
      options,
      this.tuning,
      this.logger,
      (groupId) => this.groupMember(groupId),
      (p) => this.open.producers.delete(p),
    );
    this.open.producers.add(producer);
    return producer;
  }

  consumer(options: ConsumerOptions): BusConsumer {
    const consumer = new ConfluentConsumer(this.base, this.admin, options, this.tuning, this.logger, (c) => this.open.consumers.delete(c));
    this.open.consumers.add(consumer);
    return consumer;
  }

  async partitionReader(topic: string): Promise<PartitionReader> {
    await this.admin.partitionCount(topic);
    const reader = await ConfluentPartitionReader.open(this.base, topic, this.connection.clientId, this.tuning, this.logger);
    this.open.readers.add(reader);
    return reader;
  }

  async close(): Promise<void> {
    await this.open.closeAll();
    await Promise.all(
      [...this.placeholders.values()].map(async (pending) => {
        const consumer = await pending.catch(() => null);
        if (consumer) await new Promise<void>((resolve) => consumer.disconnect(() => resolve()));
      }),
    );
    if (this.configAdmin) await (await this.configAdmin.catch(() => null))?.raw.disconnect().catch(() => undefined);
    await this.clientAdmin.disconnect().catch(() => undefined);
  }

  /** The running member of the group in this process, else a member that never joins (no fencing by generation). */
  private groupMember(groupId: string): Promise<RdKafka.KafkaConsumer> {
    for (const consumer of this.open.consumers) if (consumer.groupId === groupId && consumer.isRunning()) return Promise.resolve(consumer.internal());
    let pending = this.placeholders.get(groupId);
    if (!pending) {
      const consumer = new RdKafka.KafkaConsumer({ ...this.base, 'group.id': groupId, 'enable.auto.commit': false });
      pending = callback(`connect group ${groupId}`, (done) => consumer.connect({ timeout: this.tuning.connectionTimeoutMs * 3 }, (err) => done(err))).then(() => consumer);
      this.placeholders.set(groupId, pending);
      pending.catch(() => this.placeholders.delete(groupId));
    }
    return pending;
  }

  /** librdkafka's client lacks a few admin calls (see ConfluentAdmin): kafkajs's admin answers them. */
  private async kafkajsAdmin(): Promise<KafkaAdmin> {
    this.configAdmin ??= (async () => {
      const raw = this.configClient.admin();
      await kafkaCall('connect admin', () => raw.connect());
      return { raw, admin: new KafkaAdmin(raw) };
    })();
    this.configAdmin.catch(() => (this.configAdmin = null));
    return (await this.configAdmin).admin;
  }
}

export function connectConfluentBus(options: ConfluentBusOptions): Promise<ConfluentBus> {
  return ConfluentBus.connect(options);
}

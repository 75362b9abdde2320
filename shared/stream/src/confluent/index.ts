/**
 * The Kafka bus on `@confluentinc/kafka-javascript` (librdkafka): the default Kafka client.
 * KIP-447: a transaction's offsets are committed under the group metadata (generation, member)
 * of this bus's running consumer of that group, so a zombie member's commit is refused.
 */
import { Kafka, type Admin } from 'kafkajs';
import { KafkaJS, RdKafka } from '@confluentinc/kafka-javascript';
import type { ConsumerOptions, ProducerOptions } from '../bus.js';
import { busSettings, ClientBus, type BusSettings, type KafkaBusOptions } from '../client/client-bus.js';
import { KafkaAdmin } from '../kafka/admin.js';
import { kafkaClientConfig } from '../kafka/client-config.js';
import { kafkaCall } from '../kafka/errors.js';
import { ConfluentAdmin } from './admin.js';
import { clientLogger, clientLogLevel, rdkafkaClientConfig, type RdKafkaConfig } from './client-config.js';
import { ConfluentConsumer } from './consumer.js';
import { callback, clientCall } from './errors.js';
import { ConfluentProducer } from './producer.js';
import { ConfluentPartitionReader } from './reader.js';

export type ConfluentBusOptions = KafkaBusOptions;

export class ConfluentBus extends ClientBus<ConfluentProducer, ConfluentConsumer, ConfluentPartitionReader> {
  readonly admin: ConfluentAdmin;
  /** Group members that never join, for offsets sent for a group this bus runs no consumer of. */
  private readonly placeholders = new Map<string, Promise<RdKafka.KafkaConsumer>>();
  private configAdmin: Promise<{ raw: Admin; admin: KafkaAdmin }> | null = null;
  private readonly configClient: Kafka;

  private constructor(
    private readonly clientAdmin: KafkaJS.Admin,
    private readonly base: RdKafkaConfig,
    settings: BusSettings,
  ) {
    super(settings);
    this.admin = new ConfluentAdmin(clientAdmin, () => this.kafkajsAdmin());
    this.configClient = new Kafka(kafkaClientConfig(settings.connection, settings.tuning, settings.logger));
  }

  /** Connects the admin client, so an unreachable cluster fails here, at start-up. */
  static async connect(options: ConfluentBusOptions): Promise<ConfluentBus> {
    const settings = busSettings(options);
    const { connection, tuning, logger } = settings;
    const base = rdkafkaClientConfig(connection, tuning);
    const admin = new KafkaJS.Kafka({}).admin({
      ...base,
      kafkaJS: { logger: clientLogger(logger), logLevel: clientLogLevel(logger) },
    } as KafkaJS.AdminConstructorConfig);
    await clientCall(`connect to Kafka at ${connection.brokers.join(',')}`, () => admin.connect());
    // The client connects lazily: ask the cluster something, so a wrong address fails now.
    await clientCall(`connect to Kafka at ${connection.brokers.join(',')}`, () => admin.listTopics({ timeout: tuning.connectionTimeoutMs * 3 }));
    return new ConfluentBus(admin, base, settings);
  }

  protected openProducer(options: ProducerOptions, onClosed: (p: ConfluentProducer) => void): Promise<ConfluentProducer> {
    return ConfluentProducer.open(this.base, options, this.settings.tuning, this.settings.logger, (groupId) => this.groupMember(groupId), onClosed);
  }

  protected newConsumer(options: ConsumerOptions, onStopped: (c: ConfluentConsumer) => void): ConfluentConsumer {
    return new ConfluentConsumer(this.base, this.admin, options, this.settings.tuning, this.settings.logger, onStopped);
  }

  protected openReader(topic: string): Promise<ConfluentPartitionReader> {
    const { connection, tuning, logger } = this.settings;
    return ConfluentPartitionReader.open(this.base, topic, connection.clientId, tuning, logger);
  }

  protected async closeOwnClients(): Promise<void> {
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
      pending = callback(`connect group ${groupId}`, (done) => consumer.connect({ timeout: this.settings.tuning.connectionTimeoutMs * 3 }, (err) => done(err))).then(() => consumer);
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

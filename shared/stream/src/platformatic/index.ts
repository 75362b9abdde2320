/**
 * The Kafka bus on `@platformatic/kafka` (pure TypeScript; Node >= 22.22, so loaded only when
 * KAFKA_CLIENT=platformatic). KIP-447: a transaction's offsets are committed under the group
 * metadata (generation, member) of this bus's running consumer of that group.
 */
import { Admin, Consumer } from '@platformatic/kafka';
import type { Logger } from 'pino';
import type { Bus, BusConsumer, BusProducer, ConsumerOptions, PartitionReader, ProducerOptions } from '../bus.js';
import { DEFAULT_KAFKA_TUNING, type KafkaConnection, type KafkaTuning } from '../config.js';
import { OpenClients } from '../client/open-clients.js';
import { silentLogger } from '../log.js';
import { PlatformaticAdmin } from './admin.js';
import { platformaticClientOptions } from './client-config.js';
import { PlatformaticConsumer } from './consumer.js';
import { clientCall } from './errors.js';
import { GroupMembership } from './group-membership.js';
import { PlatformaticProducer } from './producer.js';
import { PlatformaticPartitionReader } from './reader.js';

export interface PlatformaticBusOptions {
  connection: KafkaConnection;
  tuning?: Partial<KafkaTuning>;
  logger?: Logger;
}

export class PlatformaticBus implements Bus {
  readonly kind = 'kafka' as const;
  readonly admin: PlatformaticAdmin;
  private readonly open = new OpenClients<PlatformaticProducer, PlatformaticConsumer, PlatformaticPartitionReader>();
  /** Group members that never join, for offsets sent for a group this bus runs no consumer of. */
  private readonly standIns = new Map<string, GroupMembership>();

  private constructor(
    client: Admin,
    private readonly connection: KafkaConnection,
    private readonly tuning: KafkaTuning,
    private readonly logger: Logger,
  ) {
    this.admin = new PlatformaticAdmin(client);
  }

  /** Asks the cluster for its metadata, so an unreachable cluster fails here, at start-up. */
  static async connect(options: PlatformaticBusOptions): Promise<PlatformaticBus> {
    const tuning = { ...DEFAULT_KAFKA_TUNING, ...options.tuning };
    const logger = options.logger ?? silentLogger();
    const admin = new Admin(platformaticClientOptions(options.connection, tuning, 'admin'));
    await clientCall(`connect to Kafka at ${options.connection.brokers.join(',')}`, () => admin.metadata({ topics: [] }));
    return new PlatformaticBus(admin, options.connection, tuning, logger);
  }

  async producer(options: ProducerOptions = {}): Promise<BusProducer> {
    const producer = await PlatformaticProducer.open(this.connection, this.tuning, options, async (groupId) => this.groupMember(groupId), (p) =>
      this.open.producers.delete(p),
    );
    this.open.producers.add(producer);
    return producer;
  }

  consumer(options: ConsumerOptions): BusConsumer {
    const consumer = new PlatformaticConsumer(this.connection, this.admin, options, this.tuning, this.logger, (c) => this.open.consumers.delete(c));
    this.open.consumers.add(consumer);
    return consumer;
  }

  async partitionReader(topic: string): Promise<PartitionReader> {
    await this.admin.partitionCount(topic);
    const reader = new PlatformaticPartitionReader(this.connection, topic, this.tuning);
    this.open.readers.add(reader);
    return reader;
  }

  async close(): Promise<void> {
    await this.open.closeAll();
    await Promise.all([...this.standIns.values()].map((m) => m.consumer.close().catch(() => undefined)));
    await this.admin.client.close().catch(() => undefined);
  }

  /** The running member of the group in this process, else a stand-in that never joins. */
  private groupMember(groupId: string): GroupMembership {
    for (const consumer of this.open.consumers) if (consumer.groupId === groupId && consumer.isRunning()) return consumer.membership();
    let standIn = this.standIns.get(groupId);
    if (!standIn) {
      const client = new Consumer<Buffer, Buffer, Buffer, Buffer>({ ...platformaticClientOptions(this.connection, this.tuning, 'offsets'), groupId });
      standIn = new GroupMembership(client, false);
      this.standIns.set(groupId, standIn);
    }
    return standIn;
  }
}

export function connectPlatformaticBus(options: PlatformaticBusOptions): Promise<PlatformaticBus> {
  return PlatformaticBus.connect(options);
}

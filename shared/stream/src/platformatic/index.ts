/**
 * The Kafka bus on `@platformatic/kafka` (pure TypeScript; Node >= 22.22, so loaded only when
 * KAFKA_CLIENT=platformatic). KIP-447: a transaction's offsets are committed under the group
 * metadata (generation, member) of this bus's running consumer of that group.
 */
import { Admin, Consumer } from '@platformatic/kafka';
import type { ConsumerOptions, ProducerOptions } from '../bus.js';
import { busSettings, ClientBus, type BusSettings, type KafkaBusOptions } from '../client/client-bus.js';
import { PlatformaticAdmin } from './admin.js';
import { platformaticClientOptions } from './client-config.js';
import { PlatformaticConsumer } from './consumer.js';
import { clientCall } from './errors.js';
import { GroupMembership } from './group-membership.js';
import { PlatformaticProducer } from './producer.js';
import { PlatformaticPartitionReader } from './reader.js';

export type PlatformaticBusOptions = KafkaBusOptions;

export class PlatformaticBus extends ClientBus<PlatformaticProducer, PlatformaticConsumer, PlatformaticPartitionReader> {
  readonly admin: PlatformaticAdmin;
  /** Group members that never join, for offsets sent for a group this bus runs no consumer of. */
  private readonly standIns = new Map<string, GroupMembership>();

  private constructor(client: Admin, settings: BusSettings) {
    super(settings);
    this.admin = new PlatformaticAdmin(client);
  }

  /** Asks the cluster for its metadata, so an unreachable cluster fails here, at start-up. */
  static async connect(options: PlatformaticBusOptions): Promise<PlatformaticBus> {
    const settings = busSettings(options);
    const admin = new Admin(platformaticClientOptions(settings.connection, settings.tuning, 'admin'));
    await clientCall(`connect to Kafka at ${settings.connection.brokers.join(',')}`, () => admin.metadata({ topics: [] }));
    return new PlatformaticBus(admin, settings);
  }

  protected openProducer(options: ProducerOptions, onClosed: (p: PlatformaticProducer) => void): Promise<PlatformaticProducer> {
    return PlatformaticProducer.open(this.settings.connection, this.settings.tuning, options, async (groupId) => this.groupMember(groupId), onClosed);
  }

  protected newConsumer(options: ConsumerOptions, onStopped: (c: PlatformaticConsumer) => void): PlatformaticConsumer {
    const { connection, tuning, logger } = this.settings;
    return new PlatformaticConsumer(connection, this.admin, options, tuning, logger, onStopped);
  }

  protected async openReader(topic: string): Promise<PlatformaticPartitionReader> {
    return new PlatformaticPartitionReader(this.settings.connection, topic, this.settings.tuning);
  }

  protected async closeOwnClients(): Promise<void> {
    await Promise.all([...this.standIns.values()].map((m) => m.consumer.close().catch(() => undefined)));
    await this.admin.client.close().catch(() => undefined);
  }

  /** The running member of the group in this process, else a stand-in that never joins. */
  private groupMember(groupId: string): GroupMembership {
    for (const consumer of this.open.consumers) if (consumer.groupId === groupId && consumer.isRunning()) return consumer.membership();
    let standIn = this.standIns.get(groupId);
    if (!standIn) {
      const client = new Consumer<Buffer, Buffer, Buffer, Buffer>({ ...platformaticClientOptions(this.settings.connection, this.settings.tuning, 'offsets'), groupId });
      standIn = new GroupMembership(client, false);
      this.standIns.set(groupId, standIn);
    }
    return standIn;
  }
}

export function connectPlatformaticBus(options: PlatformaticBusOptions): Promise<PlatformaticBus> {
  return PlatformaticBus.connect(options);
}

/**
 * The embedded bus: Kafka's semantics (partitions, offsets, groups, transactions with
 * read_committed, murmur2 partitioning) inside one process, for the single-process mode and tests.
 */
import type { Logger } from 'pino';
import type { Bus, BusConsumer, BusProducer, ConsumerOptions, PartitionReader, ProducerOptions } from '../bus.js';
import { silentLogger } from '../log.js';
import { EmbeddedAdmin } from './admin.js';
import { EmbeddedBroker, type EmbeddedBrokerOptions } from './broker.js';
import { EmbeddedConsumer } from './consumer.js';
import { EmbeddedProducer } from './producer.js';
import { EmbeddedPartitionReader } from './reader.js';

export interface EmbeddedBusOptions extends EmbeddedBrokerOptions {
  logger?: Logger;
}

export class EmbeddedBus implements Bus {
  readonly kind = 'embedded' as const;
  readonly admin: EmbeddedAdmin;
  private readonly broker: EmbeddedBroker;
  private readonly logger: Logger;
  private readonly producers = new Set<EmbeddedProducer>();
  private readonly consumers = new Set<EmbeddedConsumer>();
  private readonly readers = new Set<EmbeddedPartitionReader>();

  constructor(options: EmbeddedBusOptions = {}) {
    this.broker = new EmbeddedBroker(options);
    this.admin = new EmbeddedAdmin(this.broker);
    this.logger = options.logger ?? silentLogger();
  }

  async producer(options: ProducerOptions = {}): Promise<BusProducer> {
    const producer = new EmbeddedProducer(this.broker, options.transactionalId, (p) => this.producers.delete(p));
    this.producers.add(producer);
    return producer;
  }

  consumer(options: ConsumerOptions): BusConsumer {
    const consumer = new EmbeddedConsumer(this.broker, options, this.logger, (c) => this.consumers.delete(c));
    this.consumers.add(consumer);
    return consumer;
  }

  async partitionReader(topic: string): Promise<PartitionReader> {
    this.broker.requireTopic(topic);
    const reader = new EmbeddedPartitionReader(this.broker, topic);
    this.readers.add(reader);
    return reader;
  }

  async close(): Promise<void> {
    await Promise.all([...this.consumers].map((c) => c.stop()));
    await Promise.all([...this.producers].map((p) => p.close()));
    await Promise.all([...this.readers].map((r) => r.close()));
  }
}

export function createEmbeddedBus(options: EmbeddedBusOptions = {}): EmbeddedBus {
  return new EmbeddedBus(options);
}

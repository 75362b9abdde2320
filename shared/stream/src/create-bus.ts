/** The bus a service runs on, chosen by configuration (see config.ts). */
import type { Logger } from 'pino';
import type { Bus } from './bus.js';
import { busConfigFromEnv, type BusConfig } from './config.js';
import { createEmbeddedBus } from './embedded/index.js';
import { connectKafkaBus } from './kafka/index.js';

export async function createBus(config: BusConfig, logger?: Logger): Promise<Bus> {
  if (config.kind === 'embedded') return createEmbeddedBus(logger ? { logger } : {});
  const options = { connection: config.connection, tuning: config.tuning, ...(logger ? { logger } : {}) };
  if (config.client === 'kafkajs') return connectKafkaBus(options);
  // Loaded only when chosen: the librdkafka binding is a native addon that a process on kafkajs
  // (and the production bundle) need not load.
  const { connectConfluentBus } = await import('./confluent/index.js');
  return connectConfluentBus(options);
}

/** Reads the environment (throwing WEIR_CONFIG with every problem) and connects. */
export function createBusFromEnv(logger?: Logger, source: NodeJS.ProcessEnv = process.env): Promise<Bus> {
  return createBus(busConfigFromEnv(source), logger);
}

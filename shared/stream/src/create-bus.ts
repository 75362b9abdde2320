/** The bus a service runs on, chosen by configuration (see config.ts). */
import type { Logger } from 'pino';
import type { Bus } from './bus.js';
import { busConfigFromEnv, type BusConfig } from './config.js';
import { createEmbeddedBus } from './embedded/index.js';
import { connectConfluentBus } from './confluent/index.js';
import { connectKafkaBus } from './kafka/index.js';

export async function createBus(config: BusConfig, logger?: Logger): Promise<Bus> {
  if (config.kind === 'embedded') return createEmbeddedBus(logger ? { logger } : {});
  const options = { connection: config.connection, tuning: config.tuning, ...(logger ? { logger } : {}) };
  return config.client === 'kafkajs' ? connectKafkaBus(options) : connectConfluentBus(options);
}

/** Reads the environment (throwing WEIR_CONFIG with every problem) and connects. */
export function createBusFromEnv(logger?: Logger, source: NodeJS.ProcessEnv = process.env): Promise<Bus> {
  return createBus(busConfigFromEnv(source), logger);
}

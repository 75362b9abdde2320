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
  if (config.client === 'platformatic') {
    // Same reason, and @platformatic/kafka needs Node >= 22.22: a Node 20 process never loads it.
    const platformaticModule = './platformatic/index.js';
    const { connectPlatformaticBus } = (await import(platformaticModule)) as typeof import('./platformatic/index.js');
    return connectPlatformaticBus(options);
  }
  // Loaded only when chosen: the librdkafka binding is a native addon that a process on kafkajs
  // need not load. A specifier in a variable, so the production bundle (which runs on kafkajs)
  // leaves it out rather than hoisting the addon's import.
  const confluentModule = './confluent/index.js';
  const { connectConfluentBus } = (await import(confluentModule)) as typeof import('./confluent/index.js');
  return connectConfluentBus(options);
}

/** Reads the environment (throwing WEIR_CONFIG with every problem) and connects. */
export function createBusFromEnv(logger?: Logger, source: NodeJS.ProcessEnv = process.env): Promise<Bus> {
  return createBus(busConfigFromEnv(source), logger);
}

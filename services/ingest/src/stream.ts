/**
 * TEMPORARY bridge to @weir/stream, which has no package entry point (src/index.ts) yet: the
 * only file of ingest that reaches into the stream package's sources. When the entry point
 * lands, this becomes `export ... from '@weir/stream'` (and `openBus` its bus factory), and no
 * other file changes.
 */
import type { Logger } from 'pino';
import type { Bus } from '../../../shared/stream/src/bus.js';
import type { BusConfig } from '../../../shared/stream/src/config.js';
import { createEmbeddedBus } from '../../../shared/stream/src/embedded/index.js';
import { connectKafkaBus } from '../../../shared/stream/src/kafka/index.js';

export type { Bus, BusAdmin, BusProducer, OutgoingMessage, RecordMetadata } from '../../../shared/stream/src/bus.js';
export { busConfigFromEnv, type BusConfig } from '../../../shared/stream/src/config.js';
export { env, parseEnv, configError, describeEnv } from '../../../shared/stream/src/env.js';
export { StreamError, isStreamError } from '../../../shared/stream/src/errors.js';
export { createEmbeddedBus, EmbeddedBus } from '../../../shared/stream/src/embedded/index.js';

/** The bus the configuration names: embedded in-process, or Kafka (connected: fails here when unreachable). */
export async function openBus(config: BusConfig, logger: Logger): Promise<Bus> {
  if (config.kind === 'embedded') return createEmbeddedBus({ logger });
  return connectKafkaBus({ connection: config.connection, tuning: config.tuning, logger });
}

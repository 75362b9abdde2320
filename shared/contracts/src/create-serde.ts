/**
 * Picks the registry from configuration: `SCHEMA_REGISTRY_URL` set → that remote registry;
 * unset → the process-wide embedded one (single-process mode, tests).
 */
import { ConfluentRegistry } from './confluent-registry.js';
import { EmbeddedRegistry } from './embedded-registry.js';
import type { SchemaRegistry } from './registry.js';
import { RegistrySerde, type RegistrySerdeOptions } from './registry-serde.js';
import type { WeirRecord } from './topic-schemas.js';

export interface SerdeConfig {
  /** Base URL of a Confluent-compatible registry API; unset or empty → embedded registry. */
  schemaRegistryUrl?: string | undefined;
  schemaRegistryUsername?: string | undefined;
  schemaRegistryPassword?: string | undefined;
}

export function serdeConfigFromEnv(env: NodeJS.ProcessEnv = process.env): SerdeConfig {
  return {
    schemaRegistryUrl: env.SCHEMA_REGISTRY_URL,
    schemaRegistryUsername: env.SCHEMA_REGISTRY_USERNAME,
    schemaRegistryPassword: env.SCHEMA_REGISTRY_PASSWORD,
  };
}

/**
 * One embedded registry per process: every serde in the process must agree on ids, or a consumer
 * could not read what a producer next to it wrote.
 */
export const processRegistry = new EmbeddedRegistry();

export function createRegistry(config: SerdeConfig = serdeConfigFromEnv()): SchemaRegistry {
  const url = config.schemaRegistryUrl?.trim();
  if (!url) return processRegistry;
  // Empty credentials count as unset, as they would in a shell `export X=`.
  const username = config.schemaRegistryUsername || undefined;
  const password = config.schemaRegistryPassword || undefined;
  return new ConfluentRegistry({ url, ...(username ? { username } : {}), ...(password ? { password } : {}) });
}

export function createSerde<T = WeirRecord>(
  config: SerdeConfig = serdeConfigFromEnv(),
  opts: RegistrySerdeOptions = {},
): RegistrySerde<T> {
  return new RegistrySerde<T>(createRegistry(config), opts);
}

/**
 * Where the infra scripts keep things and which loopback ports they use. Downloads go to a cache
 * shared by every checkout (they are large and never change); runtime state stays in the repo's
 * own `.infra/` so two checkouts never share a data directory.
 */
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { infraError } from './errors.js';

export const HOST = '127.0.0.1';
/**
 * The address pods of the local Kubernetes cluster (`pnpm k8s:up`) reach this machine at: the
 * node's own bridge. Kafka advertises its pods listener there; k8s:up relays it to loopback.
 */
export const POD_HOST = '10.244.255.1';

export interface Ports {
  kafka: number;
  kafkaController: number;
  /** Bound on loopback like the others, advertised as POD_HOST: the listener pods use. */
  kafkaPods: number;
  registry: number;
  registryManagement: number;
  elasticsearch: number;
  elasticsearchTransport: number;
}

export interface InfraConfig {
  repoRoot: string;
  /** Runtime state: data dirs, logs, pid files. Wiped per service on each fresh start. */
  stateDir: string;
  /** Downloads and build outputs, reused across runs and checkouts. */
  cacheDir: string;
  ports: Ports;
}

function port(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  // The companion ports sit at fixed offsets above the main one, so leave room for them.
  if (!Number.isInteger(value) || value < 1024 || value > 65_000) {
    throw infraError('WEIR_INFRA_CONFIG', `${name}=${JSON.stringify(raw)} is not a port number between 1024 and 65000`);
  }
  return value;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): InfraConfig {
  const repoRoot = resolve(import.meta.dirname, '..', '..');
  const kafka = port(env, 'WEIR_KAFKA_PORT', 19092);
  const registry = port(env, 'WEIR_REGISTRY_PORT', 18081);
  const elasticsearch = port(env, 'WEIR_ES_PORT', 19200);
  return {
    repoRoot,
    // A second set of servers (a fault test's private ones) keeps its state apart.
    stateDir: env.WEIR_INFRA_DIR?.trim() ? resolve(repoRoot, env.WEIR_INFRA_DIR.trim()) : join(repoRoot, '.infra'),
    cacheDir: resolve(env.WEIR_CACHE?.trim() || join(homedir(), '.cache', 'weir')),
    ports: {
      kafka,
      kafkaController: kafka + 1,
      kafkaPods: kafka + 2,
      registry,
      registryManagement: registry + 10,
      elasticsearch,
      elasticsearchTransport: elasticsearch + 100,
    },
  };
}

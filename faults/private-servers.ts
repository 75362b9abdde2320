/**
 * Servers of a fault test's own: a Kafka broker, schema registry or Elasticsearch started with
 * the scripts/infra code on ports and a state directory of their own (`.infra/faults/<name>`),
 * so that the test may stop, restart or freeze them. The shared servers every other test and
 * engineer uses are never touched.
 */
import { loadConfig } from '../scripts/infra/config.js';
import { upServers } from '../scripts/infra/ensure.js';
import { elasticsearchService } from '../scripts/infra/elasticsearch.js';
import { kafkaService } from '../scripts/infra/kafka.js';
import { registryService } from '../scripts/infra/registry.js';
import { freeze, restartKeepingState, stop, type Service, type ServiceContext } from '../scripts/infra/service.js';

export type ServerName = 'kafka' | 'registry' | 'elasticsearch';

export interface PrivateServers {
  /** KAFKA_BROKERS, SCHEMA_REGISTRY_URL, ELASTICSEARCH_URL of the private ones (the rest: the shared ones). */
  env: Record<string, string>;
  /** Stops (SIGTERM, as an operator's restart does) one of ours. */
  stop(name: ServerName): Promise<void>;
  /** Starts it again on its data, and waits until it answers. */
  start(name: ServerName): Promise<void>;
  /** SIGSTOP / SIGCONT: a server that hangs rather than refuses. */
  freeze(name: ServerName, frozen: boolean): void;
  /** Stops every private server and forgets its data. */
  close(): Promise<void>;
}

/**
 * Starts the named servers privately. `base` picks the ports: Kafka base (+1 controller), the
 * registry base+20 (+10 management), Elasticsearch base+40 (+100 transport); give each test its own.
 */
export async function startPrivateServers(name: string, base: number, which: ServerName[], log: (line: string) => void = () => undefined): Promise<PrivateServers> {
  const config = loadConfig({
    ...process.env,
    WEIR_KAFKA_PORT: String(base),
    WEIR_REGISTRY_PORT: String(base + 20),
    WEIR_ES_PORT: String(base + 40),
    WEIR_INFRA_DIR: `.infra/faults/${name}`,
  });
  const ctx: ServiceContext = { config, log: (line) => log(`[${name}] ${line}`) };
  const all: Record<ServerName, Service> = {
    kafka: kafkaService(config),
    registry: registryService(config),
    elasticsearch: elasticsearchService(config),
  };
  const ours = which.map((n) => all[n]);
  // Fresh ones: whatever an interrupted earlier run left behind goes first.
  for (const s of ours) {
    freeze(ctx, s, false);
    await stop(ctx, s);
  }
  const env = await upServers(ctx, ours);
  const service = (n: ServerName): Service => {
    if (!which.includes(n)) throw new Error(`${n} is not one of this test's private servers`);
    return all[n];
  };
  return {
    env,
    async stop(n) {
      await stop(ctx, service(n));
    },
    async start(n) {
      await restartKeepingState(ctx, service(n));
    },
    freeze(n, frozen) {
      if (!freeze(ctx, service(n), frozen)) throw new Error(`${n} is not running`);
    },
    async close() {
      for (const s of ours) {
        freeze(ctx, s, false);
        await stop(ctx, s);
      }
    },
  };
}

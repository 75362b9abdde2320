/**
 * Servers of a fault test's own: a Kafka broker, schema registry or Elasticsearch started with
 * the scripts/infra code on ports and a state directory of their own (`.infra/faults/<name>`),
 * so that the test may stop, restart or freeze them. The shared servers every other test and
 * engineer uses are never touched.
 */
import { HOST, loadConfig } from '../scripts/infra/config.js';
import { upServers } from '../scripts/infra/ensure.js';
import { elasticsearchService } from '../scripts/infra/elasticsearch.js';
import { kafkaService } from '../scripts/infra/kafka.js';
import { registryService } from '../scripts/infra/registry.js';
import { tcpOpen } from '../scripts/infra/probe.js';
import { freeze, inspect, restartKeepingState, stop, type Service, type ServiceContext } from '../scripts/infra/service.js';

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

/** Where a checkout's base is moved when another checkout's fault test holds its ports. */
const BASE_SHIFT = 2000;
const BASE_TRIES = 8;

function serversAt(name: string, base: number) {
  const config = loadConfig({
    ...process.env,
    WEIR_KAFKA_PORT: String(base),
    WEIR_REGISTRY_PORT: String(base + 20),
    WEIR_ES_PORT: String(base + 40),
    WEIR_INFRA_DIR: `.infra/faults/${name}`,
  });
  const all: Record<ServerName, Service> = {
    kafka: kafkaService(config),
    registry: registryService(config),
    elasticsearch: elasticsearchService(config),
  };
  return { config, all };
}

/** Every port the named servers bind with `base`. */
export function portsAt(base: number, which: ServerName[]): number[] {
  const { all } = serversAt('ports', base);
  return which.flatMap((n) => [all[n].port, ...all[n].otherPorts.map((o) => o.port)]);
}

/**
 * The first of `base`, base+2000, ... whose ports are all free. Every engineer's checkout runs
 * the same fault tests on the same machine: a server another checkout's test started there
 * answers, but is not ours to stop or freeze (an Elasticsearch outage once "stopped" one that
 * way, which stopping could not touch).
 */
export async function freeBase(base: number, which: ServerName[], open: (port: number) => Promise<boolean> = (port) => tcpOpen(HOST, port)): Promise<number> {
  for (let attempt = 0; attempt < BASE_TRIES; attempt++) {
    const candidate = base + attempt * BASE_SHIFT;
    const busy = await Promise.all(portsAt(candidate, which).map(open));
    if (!busy.some(Boolean)) return candidate;
  }
  throw new Error(`no free ports for private ${which.join(', ')} from ${base} in ${BASE_TRIES} steps of ${BASE_SHIFT}`);
}

/**
 * Starts the named servers privately. `base` picks the ports: Kafka base (+1 controller), the
 * registry base+20 (+10 management), Elasticsearch base+40 (+100 transport); give each test its
 * own. When another checkout holds them, the next free base of `freeBase`.
 */
export async function startPrivateServers(name: string, base: number, which: ServerName[], log: (line: string) => void = () => undefined): Promise<PrivateServers> {
  const prefixed = (line: string) => log(`[${name}] ${line}`);
  // Fresh ones: whatever an interrupted earlier run of ours left behind goes first (the state
  // directory, and so what counts as ours, is the same whatever the ports).
  const previous = serversAt(name, base);
  for (const n of which) {
    freeze({ config: previous.config, log: prefixed }, previous.all[n], false);
    await stop({ config: previous.config, log: prefixed }, previous.all[n]);
  }
  const chosen = await freeBase(base, which);
  if (chosen !== base) prefixed(`ports from ${base} are held by another checkout's servers: using ${chosen}`);
  const { config, all } = serversAt(name, chosen);
  const ctx: ServiceContext = { config, log: prefixed };
  const ours = which.map((n) => all[n]);
  const env = await upServers(ctx, ours);
  for (const s of ours) {
    // Another checkout may have taken the ports between the check and the start.
    if ((await inspect(config, s)).kind !== 'ours') throw new Error(`${name}: the ${s.title} on port ${s.port} is another checkout's, not this test's`);
  }
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

import { Registry } from 'prom-client';
import { createBusFromEnv, isStreamError, promStageMetrics, StageHealth, type Bus, type StageMetrics } from '@weir/stream';
import { createServiceHttp } from './http.js';
import { serviceLogger, type Logger } from './logger.js';
import { readinessOf, type ReadinessCheck } from './readiness.js';
import { registryCheck } from './registry-check.js';

export interface StageRunContext {
  bus: Bus;
  signal: AbortSignal;
  logger: Logger;
  metrics: StageMetrics;
  registry: Registry;
  /** What the stages wait for (a dependency outage): readiness is false meanwhile. */
  health: StageHealth;
}

/**
 * What every stage of a service hands the runner from its context. The service, not the runner,
 * owns SIGTERM: it drains its HTTP side and the stage together (runStageService).
 */
export function runnerContext({ bus, signal, logger, metrics, health }: StageRunContext) {
  return { bus, signal, logger, metrics, health, handleSignals: false } as const;
}

export interface StageServiceOptions<C> {
  /** `sessionize`, `window`, `score`: in logs, metrics and `/healthz`. */
  name: string;
  /** Reads and checks the service's settings; throws a WEIR_CONFIG error listing every problem. */
  loadConfig(): C;
  port(config: C): number;
  /** Bound on the graceful stop after SIGTERM/SIGINT (WEIR_SHUTDOWN_TIMEOUT); past it the process exits 1. */
  shutdownTimeoutMs(config: C): number;
  /** Runs the stage until `signal` aborts. */
  run(config: C, context: StageRunContext): Promise<void>;
  /** Extra readiness checks, besides the bus and the schema registry. */
  readiness?: (config: C, bus: Bus) => Record<string, ReadinessCheck>;
}

/**
 * A stage service's process: configuration (exit 2 with every problem listed when it is wrong),
 * the bus, `/healthz`, `/readyz` (Kafka and the registry reachable), `/metrics`, the stage, and a
 * graceful stop on SIGTERM/SIGINT — readiness off, the batch in hand finished and committed, the
 * group left, the bus closed — within `shutdownTimeoutMs`.
 */
export async function runStageService<C>(options: StageServiceOptions<C>): Promise<void> {
  const logger = serviceLogger(options.name);
  let config: C;
  try {
    config = options.loadConfig();
  } catch (err) {
    if (isStreamError(err, 'WEIR_CONFIG')) {
      logger.fatal({ code: err.code, problems: err.problems }, 'invalid configuration');
      process.exit(2);
    }
    throw err;
  }
  const bus = await createBusFromEnv(logger.child({ component: 'bus' }));
  const registry = new Registry();
  const health = new StageHealth();
  const schemaRegistry = registryCheck({
    schemaRegistryUrl: process.env.SCHEMA_REGISTRY_URL,
    schemaRegistryUsername: process.env.SCHEMA_REGISTRY_USERNAME,
    schemaRegistryPassword: process.env.SCHEMA_REGISTRY_PASSWORD,
  });
  const http = createServiceHttp({
    name: options.name,
    port: options.port(config),
    registry,
    logger,
    readiness: readinessOf({
      kafka: () => bus.admin.listTopics(),
      ...(schemaRegistry ? { registry: schemaRegistry } : {}),
      // False while a stage holds its records for a dependency that stopped answering mid-stream.
      stages: () => health.check(),
      ...(options.readiness?.(config, bus) ?? {}),
    }),
  });
  await http.listen();

  const abort = new AbortController();
  const timeoutMs = options.shutdownTimeoutMs(config);
  let deadline: NodeJS.Timeout | undefined;
  const stop = (signal: NodeJS.Signals) => {
    if (abort.signal.aborted) return;
    logger.info({ signal, timeoutMs }, 'stopping');
    http.drain();
    abort.abort();
    // A stop waits for the broker (the last writes, the commits, leaving the group): a broker
    // that stops answering would hold it until the orchestrator's SIGKILL, whose grace period
    // (the Helm chart's) is this bound plus a margin. Nothing is lost by exiting here: records
    // not committed yet are read again by their partitions' next owner.
    // Not unref'd: a stop waiting on a promise with no handle behind it must still end here.
    deadline = setTimeout(() => {
      logger.error({ timeoutMs }, 'graceful stop not finished within WEIR_SHUTDOWN_TIMEOUT: exiting; records not committed yet are read again by the next owner');
      process.exit(1);
    }, timeoutMs);
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  try {
    await options.run(config, { bus, signal: abort.signal, logger, metrics: promStageMetrics(options.name, registry), registry, health });
  } finally {
    await http.close();
    await bus.close();
    clearTimeout(deadline);
  }
}

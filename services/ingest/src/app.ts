/**
 * The ingest service as an object: every dependency passed in (bus, serde, keys, limits,
 * logger), nothing read from the environment, so tests run it on the embedded bus and registry
 * with fastify's `inject`, and `main.ts` runs it on Kafka.
 */
import type { RequestEvent, Serde } from '@weir/contracts';
import { createServiceHttp, readinessOf, type ReadinessCheck, type ServiceHttp } from '@weir/service';
import type { Bus } from '@weir/stream';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { Registry } from 'prom-client';
import type { ApiKeys } from './api-keys.js';
import { asIngestError } from './errors.js';
import { IngestMetrics } from './metrics.js';
import { ParserCache } from './parsers.js';
import { InflightBudget, LogPublisher } from './publish.js';
import { logsRoutes, type IngestLimits } from './routes/logs.js';
import { DEFAULT_SESSION_KEY, type SessionKeySpec } from './session-key.js';

export interface IngestAppLimits extends IngestLimits {
  /** Bytes of request bodies held at once before new requests get 429. */
  maxInflightBytes: number;
  /** Longest a request waits for Kafka's acknowledgement before 503. */
  produceTimeoutMs: number;
  /** Bytes of values per produce call; see LogPublisher. */
  maxChunkBytes?: number;
}

export const DEFAULT_LIMITS: IngestAppLimits = {
  maxBodyBytes: 10 * 1024 * 1024,
  maxInflightBytes: 64 * 1024 * 1024,
  produceTimeoutMs: 15_000,
  retryAfterSeconds: 2,
  maxListedRejections: 1000,
};

export interface IngestAppDeps {
  bus: Bus;
  serde: Serde<RequestEvent>;
  keys: ApiKeys;
  logger: Logger;
  limits?: Partial<IngestAppLimits>;
  /** Partitions of each `weir.logs.<customer>` topic ingest creates. Default 6. */
  partitions?: number;
  sessionKey?: SessionKeySpec;
  /** Metrics registry; a fresh one by default, so several apps in one process do not collide. */
  registry?: Registry;
  /** Readiness checks besides Kafka's (e.g. the schema registry). */
  readinessChecks?: Record<string, ReadinessCheck>;
  port?: number;
  host?: string;
}

export interface IngestApp {
  http: ServiceHttp;
  /** The fastify instance, for `inject` in tests. */
  app: FastifyInstance;
  registry: Registry;
  publisher: LogPublisher;
  budget: InflightBudget;
  /** Stops accepting, finishes requests in progress, closes the producer. Not the bus: the caller owns it. */
  close(): Promise<void>;
}

export function buildIngestApp(deps: IngestAppDeps): IngestApp {
  const limits: IngestAppLimits = { ...DEFAULT_LIMITS, ...deps.limits };
  if (limits.maxInflightBytes < limits.maxBodyBytes) {
    // Else a body of the maximum size could never be admitted.
    throw new RangeError(`maxInflightBytes (${limits.maxInflightBytes}) must be at least maxBodyBytes (${limits.maxBodyBytes})`);
  }
  const registry = deps.registry ?? new Registry();
  const metrics = new IngestMetrics(registry, limits.maxInflightBytes);
  const budget = new InflightBudget(limits.maxInflightBytes, (used) => metrics.inflightBytes.set(used));
  const publisher = new LogPublisher({
    bus: deps.bus,
    partitions: deps.partitions ?? 6,
    produceTimeoutMs: limits.produceTimeoutMs,
    retryAfterSeconds: limits.retryAfterSeconds,
    ...(limits.maxChunkBytes !== undefined ? { maxChunkBytes: limits.maxChunkBytes } : {}),
    logger: deps.logger,
    observeProduce: (seconds, ok) => metrics.produceSeconds.observe({ outcome: ok ? 'ok' : 'error' }, seconds),
  });

  const http = createServiceHttp({
    name: 'ingest',
    logger: deps.logger,
    registry,
    ...(deps.port !== undefined ? { port: deps.port } : {}),
    ...(deps.host !== undefined ? { host: deps.host } : {}),
    readiness: readinessOf({
      // Metadata for the topic list: one cheap request that needs a live broker.
      kafka: () => deps.bus.admin.listTopics(),
      ...deps.readinessChecks,
    }),
  });
  const { app } = http;

  app.setErrorHandler((error, _request, reply) => {
    // 5xx are logged by @weir/service's onError hook, with their cause.
    const err = asIngestError(error);
    if (err.retryAfterSeconds !== undefined) void reply.header('retry-after', String(err.retryAfterSeconds));
    if (err.statusCode === 401) void reply.header('www-authenticate', 'Bearer realm="weir-ingest"');
    return reply.code(err.statusCode).send({ error: { code: err.code, message: err.message } });
  });

  void app.register(
    logsRoutes({
      keys: deps.keys,
      serde: deps.serde,
      publisher,
      budget,
      parsers: new ParserCache(),
      metrics,
      sessionKey: deps.sessionKey ?? DEFAULT_SESSION_KEY,
      limits,
    }),
  );

  return {
    http,
    app,
    registry,
    publisher,
    budget,
    async close() {
      await http.close();
      await publisher.close();
    },
  };
}

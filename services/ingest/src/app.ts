/**
 * The ingest service as an object: every dependency passed in (bus, serde, keys, limits,
 * logger), nothing read from the environment, so tests run it on the embedded bus and registry
 * with fastify's `inject`, and `main.ts` runs it on Kafka.
 */
import { setMaxListeners } from 'node:events';
import type { RequestEvent, Serde } from '@weir/contracts';
import { createServiceHttp, readinessOf, type ReadinessCheck, type ServiceHttp } from '@weir/service';
import type { Bus } from '@weir/stream';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { Registry } from 'prom-client';
import type { ApiKeys } from './api-keys.js';
import { defaultCustomerShare, InflightBudget } from './budget.js';
import { shuttingDown } from './body-reader.js';
import { asIngestError } from './errors.js';
import { IdempotencyCache } from './idempotency.js';
import { IngestMetrics } from './metrics.js';
import { ParserCache } from './parsers.js';
import { LogPublisher } from './publish.js';
import { logsRoutes, type IngestLimits } from './routes/logs.js';
import { DEFAULT_SESSION_KEY, type SessionKeySpec } from './session-key.js';

export interface IngestAppLimits extends IngestLimits {
  /** Bytes of request bodies held at once (received and decompressed) before requests get 429. */
  maxInflightBytes: number;
  /** One customer's share of maxInflightBytes; default a quarter of it, at least maxBodyBytes. */
  maxInflightBytesPerCustomer?: number;
  /** Bytes of values per produce call; see LogPublisher. */
  maxChunkBytes?: number;
  /** How long, and how many per customer, answers to Idempotency-Key batches are kept. */
  idempotencyWindowMs: number;
  idempotencyKeys: number;
}

export const DEFAULT_LIMITS: IngestAppLimits = {
  maxBodyBytes: 10 * 1024 * 1024,
  maxLineBytes: 64 * 1024,
  maxInflightBytes: 64 * 1024 * 1024,
  bodyTimeoutMs: 30_000,
  produceTimeoutMs: 15_000,
  retryAfterSeconds: 2,
  maxListedRejections: 1000,
  idempotencyWindowMs: 10 * 60_000,
  idempotencyKeys: 10_000,
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
  /** Port of /healthz, /readyz and /metrics (0: a free one); unset: all on `port` (tests with `inject`). */
  adminPort?: number;
  host?: string;
}

export interface IngestApp {
  http: ServiceHttp;
  /** The fastify instance, for `inject` in tests. */
  app: FastifyInstance;
  registry: Registry;
  publisher: LogPublisher;
  budget: InflightBudget;
  /**
   * Stops accepting, refuses the bodies still arriving (503: a client trickling bytes does not
   * hold the shutdown), finishes the requests being written, closes the producer. Not the bus:
   * the caller owns it.
   */
  close(): Promise<void>;
}

export function buildIngestApp(deps: IngestAppDeps): IngestApp {
  const limits: IngestAppLimits = { ...DEFAULT_LIMITS, ...deps.limits };
  if (limits.maxInflightBytes < limits.maxBodyBytes) {
    // Else a body of the maximum size could never be admitted.
    throw new RangeError(`maxInflightBytes (${limits.maxInflightBytes}) must be at least maxBodyBytes (${limits.maxBodyBytes})`);
  }
  const perCustomer = limits.maxInflightBytesPerCustomer ?? defaultCustomerShare(limits.maxInflightBytes, limits.maxBodyBytes);
  if (perCustomer < limits.maxBodyBytes || perCustomer > limits.maxInflightBytes) {
    throw new RangeError(`maxInflightBytesPerCustomer (${perCustomer}) must be from maxBodyBytes (${limits.maxBodyBytes}) to maxInflightBytes (${limits.maxInflightBytes})`);
  }
  const registry = deps.registry ?? new Registry();
  const metrics = new IngestMetrics(registry, limits.maxInflightBytes);
  const budget = new InflightBudget(limits.maxInflightBytes, perCustomer, (used) => metrics.inflightBytes.set(used));
  const closing = new AbortController();
  // One listener per body being read: as many as there are requests in flight.
  setMaxListeners(0, closing.signal);
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
    ...(deps.adminPort !== undefined ? { adminPort: deps.adminPort } : {}),
    ...(deps.host !== undefined ? { host: deps.host } : {}),
    // Node's own bound on receiving a whole request, headers included: a backstop behind the
    // body timeout (which answers first, with our 408), for clients that trickle their headers.
    fastify: { requestTimeout: limits.bodyTimeoutMs + 10_000 },
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
      idempotency: new IdempotencyCache({ windowMs: limits.idempotencyWindowMs, maxKeys: limits.idempotencyKeys }),
      closing: closing.signal,
    }),
  );

  return {
    http,
    app,
    registry,
    publisher,
    budget,
    async close() {
      closing.abort(shuttingDown(limits.retryAfterSeconds));
      await http.close();
      await publisher.close();
    },
  };
}

/**
 * The HTTP face every weir service shares: `/healthz` (the process answers), `/readyz` (its
 * dependencies answer; cached, and 503 while draining), `/metrics` (Prometheus text), one JSON
 * log line per request, and request counters. A service adds its own routes to `app`.
 */
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { collectDefaultMetrics, Counter, Histogram, type Registry } from 'prom-client';
import type { Logger } from 'pino';
import { cachedReadiness, type Readiness } from './readiness.js';
import { serviceLogger } from './logger.js';
import { redactUrl } from './redact-url.js';

export interface ServiceHttpOptions {
  /** The service's name: in log lines and in `/healthz`. */
  name: string;
  /** 0 picks a free port (tests). Default 8080. */
  port?: number;
  /** Default 0.0.0.0: inside a pod the probes and the Service come from outside the loopback. */
  host?: string;
  /**
   * A second port for /healthz, /readyz and /metrics (0 picks a free one), for a service whose
   * main port is public: its metrics (customer names, volumes) then stay off it, and the main
   * port keeps only a bare /healthz. Unset: everything on the main port.
   */
  adminPort?: number;
  readiness: Readiness;
  /** Where the service's metrics live; `/metrics` serves exactly this registry. */
  registry: Registry;
  logger?: Logger;
  /** How long a readiness answer is reused. Default 1500 ms. */
  readinessCacheMs?: number;
  /** Process metrics (CPU, memory, event-loop lag, GC) in the registry. Default true. */
  defaultMetrics?: boolean;
  /** The fastify settings a service may tune; logging is this module's. */
  fastify?: Pick<
    FastifyServerOptions,
    'bodyLimit' | 'connectionTimeout' | 'keepAliveTimeout' | 'requestTimeout' | 'trustProxy' | 'forceCloseConnections'
  >;
}

export interface ServiceHttp {
  readonly name: string;
  /** Add the service's own routes here, before `listen`. */
  readonly app: FastifyInstance;
  /** The admin server (/healthz, /readyz, /metrics) when `adminPort` was given. */
  readonly admin: FastifyInstance | null;
  /** The admin server's URL once listening. */
  readonly adminUrl: string | undefined;
  readonly logger: Logger;
  /** True once `drain` was called. */
  readonly draining: boolean;
  /** Starts listening on the configured port and host; resolves to the URL. */
  listen(): Promise<string>;
  /**
   * `/readyz` answers 503 from now on while everything else keeps working, so load balancers
   * stop sending new work before the server stops accepting it.
   */
  drain(): void;
  /** Stops accepting connections and waits for the requests in progress. */
  close(): Promise<void>;
}

/** Routes polled by infrastructure: logged at debug so they do not drown the real traffic. */
const PROBE_ROUTES = new Set(['/healthz', '/readyz', '/metrics']);

function httpMetrics(registry: Registry): { requests: Counter<string>; duration: Histogram<string> } {
  // A registry shared by several apps (or a second app in a test) keeps its first metrics.
  const requests =
    (registry.getSingleMetric('weir_http_requests_total') as Counter<string> | undefined) ??
    new Counter({
      name: 'weir_http_requests_total',
      help: 'HTTP requests answered, by route template, method and status code',
      labelNames: ['route', 'method', 'status'],
      registers: [registry],
    });
  const duration =
    (registry.getSingleMetric('weir_http_request_duration_seconds') as Histogram<string> | undefined) ??
    new Histogram({
      name: 'weir_http_request_duration_seconds',
      help: 'Time from request received to response sent, by route template and method',
      labelNames: ['route', 'method'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    });
  return { requests, duration };
}

export function createServiceHttp(options: ServiceHttpOptions): ServiceHttp {
  const logger = options.logger ?? serviceLogger(options.name);
  // Typed as fastify's logger interface, so `app` is the plain FastifyInstance services expect.
  const loggerInstance: FastifyBaseLogger = logger;
  const newApp = (): FastifyInstance =>
    Fastify({
      ...options.fastify,
      loggerInstance,
      // One line per request, written below with what matters, instead of fastify's two.
      logController: new LogController({ disableRequestLogging: true }),
    });
  const app = newApp();
  const admin = options.adminPort === undefined ? null : newApp();
  let adminUrl: string | undefined;
  const readiness = cachedReadiness(options.readiness, options.readinessCacheMs ?? 1500);
  const { registry } = options;
  if ((options.defaultMetrics ?? true) && !registry.getSingleMetric('process_cpu_user_seconds_total')) {
    collectDefaultMetrics({ register: registry });
  }
  const metrics = httpMetrics(registry);
  const startedAt = Date.now();
  let draining = false;

  for (const server of admin ? [app, admin] : [app]) observe(server);
  probes(app, admin === null);
  if (admin) probes(admin, true);

  function observe(app: FastifyInstance): void {
    app.addHook('onResponse', async (request, reply) => {
      // The route template, not the URL: one series per route, whatever the path parameters.
      const route = request.routeOptions.url ?? 'unmatched';
      const status = reply.statusCode;
      const seconds = reply.elapsedTime / 1000;
      metrics.requests.inc({ route, method: request.method, status: String(status) });
      metrics.duration.observe({ route, method: request.method }, seconds);
      const line = { method: request.method, url: redactUrl(request.url), status, ms: Math.round(reply.elapsedTime * 10) / 10 };
      if (PROBE_ROUTES.has(route) && status < 500) request.log.debug(line, 'request');
      else if (status >= 500) request.log.warn(line, 'request');
      else request.log.info(line, 'request');
    });

    // Fastify's own error log goes with its request logging: failures of the server's making are
    // logged here instead, with their stack. Refusals (4xx) are the client's and only counted.
    app.addHook('onError', async (request, _reply, error) => {
      const status = typeof error.statusCode === 'number' ? error.statusCode : 500;
      // 503 is a dependency's outage, reported as such, not a bug of ours.
      if (status === 503) request.log.warn({ err: error }, 'request failed: unavailable');
      else if (status >= 500) request.log.error({ err: error }, 'request failed');
    });
  }

  /** /healthz always; /readyz and /metrics where `all`. */
  function probes(app: FastifyInstance, all: boolean): void {
    app.get('/healthz', async () => ({
      status: 'ok',
      service: options.name,
      uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
    }));
    if (!all) return;

    app.get('/readyz', async (_request, reply) => {
      if (draining) return reply.code(503).send({ ready: false, draining: true, checks: {} });
      const report = await readiness();
      return reply.code(report.ready ? 200 : 503).send(report);
    });

    app.get('/metrics', async (_request, reply) => {
      const text = await registry.metrics();
      return reply.type(registry.contentType).send(text);
    });
  }

  return {
    name: options.name,
    app,
    admin,
    get adminUrl() {
      return adminUrl;
    },
    logger,
    get draining() {
      return draining;
    },
    async listen() {
      if (admin) {
        adminUrl = await admin.listen({ port: options.adminPort ?? 0, host: options.host ?? '0.0.0.0' });
        logger.info({ url: adminUrl }, 'admin listening: /healthz, /readyz, /metrics');
      }
      const url = await app.listen({ port: options.port ?? 8080, host: options.host ?? '0.0.0.0' });
      logger.info({ url }, 'listening');
      return url;
    },
    drain() {
      if (!draining) logger.info('draining: /readyz now answers 503');
      draining = true;
    },
    async close() {
      draining = true;
      await app.close();
      await admin?.close();
    },
  };
}

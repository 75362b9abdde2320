/**
 * The ingest service: load the configuration, connect the bus and the registry, build the app,
 * listen (the API on PORT, /healthz, /readyz and /metrics on WEIR_ADMIN_PORT), and shut down
 * gracefully on SIGTERM/SIGINT (readiness off, refuse bodies still arriving, finish the requests
 * being written, close the producer and the bus). `--help` lists the configuration.
 */
import { createSerde, type RequestEvent } from '@weir/contracts';
import { gracefulShutdown, pause, printServiceHelp, registryCheck, serviceLogger } from '@weir/service';
import { createBus, isStreamError } from '@weir/stream';
import { ApiKeys } from './api-keys.js';
import { buildIngestApp } from './app.js';
import { ingestEnv, loadIngestConfig, type IngestConfig } from './config.js';
import { KeyReloader } from './key-reload.js';

const logger = serviceLogger('ingest');

function loadConfig(): IngestConfig {
  try {
    return loadIngestConfig();
  } catch (err) {
    if (isStreamError(err, 'WEIR_CONFIG')) {
      logger.fatal({ code: err.code, problems: err.problems }, 'invalid configuration');
      process.exit(2);
    }
    throw err;
  }
}

async function main(): Promise<void> {
  const config = loadConfig();
  const bus = await createBus(config.bus, logger.child({ component: 'bus' }));
  const serde = createSerde<RequestEvent>(config.serde);
  const keys = new ApiKeys(config.keys);
  const reloader = config.keysFile
    ? new KeyReloader({
        path: config.keysFile.path,
        initialText: config.keysFile.text,
        intervalMs: config.keysFile.reloadMs,
        envKeys: config.envKeys,
        keys,
        logger,
      })
    : null;
  const registryReady = registryCheck(config.serde);

  const ingest = buildIngestApp({
    bus,
    serde,
    keys,
    logger,
    port: config.port,
    adminPort: config.adminPort,
    host: config.host,
    partitions: config.partitions,
    sessionKey: config.sessionKey,
    limits: {
      maxBodyBytes: config.maxBodyBytes,
      maxLineBytes: config.maxLineBytes,
      maxInflightBytes: config.maxInflightBytes,
      maxInflightBytesPerCustomer: config.maxInflightBytesPerCustomer,
      bodyTimeoutMs: config.bodyTimeoutMs,
      maxListedRejections: config.maxListedRejections,
      produceTimeoutMs: config.produceTimeoutMs,
      retryAfterSeconds: config.retryAfterSeconds,
      idempotencyWindowMs: config.idempotencyWindowMs,
      idempotencyKeys: config.idempotencyKeys,
    },
    ...(registryReady ? { readinessChecks: { schemaRegistry: registryReady } } : {}),
  });

  gracefulShutdown(
    [
      { name: 'drain readiness', run: () => ingest.http.drain() },
      ...(config.shutdownDelayMs > 0 ? [pause(config.shutdownDelayMs)] : []),
      { name: 'stop key reload', run: () => reloader?.stop() },
      { name: 'finish requests and close the producer', run: () => ingest.close() },
      { name: 'close the bus', run: () => bus.close() },
    ],
    { logger, timeoutMs: config.shutdownTimeoutMs },
  );

  reloader?.start();
  await ingest.http.listen();
  logger.info(
    { bus: config.bus.kind, registry: config.serde.schemaRegistryUrl ? 'remote' : 'embedded', customers: keys.customers.length, partitions: config.partitions },
    'ingest ready',
  );
}

if (process.argv.includes('--help')) {
  printServiceHelp('ingest', 'access logs over HTTP (POST /v1/logs) → weir.logs.<customer>', ingestEnv);
} else {
  main().catch((err: unknown) => {
    logger.fatal({ err }, 'ingest failed to start');
    process.exit(1);
  });
}

/**
 * The ingest service: load the configuration, connect the bus and the registry, build the app,
 * listen, and shut down gracefully on SIGTERM/SIGINT (readiness off, finish requests in progress,
 * close the producer and the bus).
 */
import { createSerde, type RequestEvent } from '@weir/contracts';
import { gracefulShutdown, pause, registryCheck, serviceLogger } from '@weir/service';
import { ApiKeys } from './api-keys.js';
import { buildIngestApp } from './app.js';
import { loadIngestConfig, type IngestConfig } from './config.js';
import { KeyReloader } from './key-reload.js';
import { isStreamError, createBus } from '@weir/stream';

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
    host: config.host,
    partitions: config.partitions,
    sessionKey: config.sessionKey,
    limits: {
      maxBodyBytes: config.maxBodyBytes,
      maxInflightBytes: config.maxInflightBytes,
      maxListedRejections: config.maxListedRejections,
      produceTimeoutMs: config.produceTimeoutMs,
      retryAfterSeconds: config.retryAfterSeconds,
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

main().catch((err: unknown) => {
  logger.fatal({ err }, 'ingest failed to start');
  process.exit(1);
});

/**
 * The settings every service reads, as @weir/stream env specs so a service spreads them into its
 * own spec and gets every problem reported together, and so `--help` and the README's table
 * (scripts/service-env-table.ts) describe them from one place:
 *
 *   const spec = { ...httpEnv(9090), window: env.duration('WEIR_WINDOW_SIZE').default('1m') };
 *
 *   PORT   default per service (ingest 8080, the stream services 9090); 0 picks a free port
 *   HOST   default 0.0.0.0: probes and the Service reach the pod from outside its loopback
 */
import { env } from '@weir/stream';

export function portEnv(defaultPort: number) {
  return env
    .int('PORT', { min: 0, max: 65535 })
    .default(defaultPort)
    .describe('HTTP port of /healthz, /readyz and /metrics; 0 picks a free port');
}

/**
 * Bound on a graceful stop after SIGTERM: past it the process exits 1 rather than wait for the
 * orchestrator's SIGKILL (the Helm chart's grace period is this plus a margin). Cutting a stop
 * short loses nothing: what was not committed yet is read again by the next owner.
 */
export const shutdownTimeoutEnv = env
  .duration('WEIR_SHUTDOWN_TIMEOUT', { min: '1s', max: '10m' })
  .default('25s')
  .describe('Bound on the whole graceful shutdown after SIGTERM; past it the process exits 1');

export function httpEnv(defaultPort: number) {
  return {
    port: portEnv(defaultPort),
    host: env.string('HOST').default('0.0.0.0').describe('Address the HTTP server listens on'),
  };
}

/** Read by @weir/contracts (`serdeConfigFromEnv`); described here so help texts and the README need not repeat it. */
export const registryEnv = {
  url: env
    .url('SCHEMA_REGISTRY_URL')
    .optional()
    .describe("Confluent-compatible schema registry API (e.g. http://host:8081, or Apicurio's .../apis/ccompat/v7); unset: the embedded in-process registry"),
  username: env.string('SCHEMA_REGISTRY_USERNAME').optional().describe('Schema registry basic-auth user, with SCHEMA_REGISTRY_PASSWORD'),
  password: env.string('SCHEMA_REGISTRY_PASSWORD').optional().describe('Schema registry basic-auth password, with SCHEMA_REGISTRY_USERNAME'),
};

/** Read by `logLevelFromEnv`; described here for the same reason. */
export const logEnv = {
  level: env.string('WEIR_LOG_LEVEL').optional().describe('Log level (fatal, error, warn, info, debug, trace, silent); unset: LOG_LEVEL'),
  fallback: env.string('LOG_LEVEL').default('info').describe('Log level when WEIR_LOG_LEVEL is unset (the Helm chart sets this one)'),
};

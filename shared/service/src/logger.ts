/**
 * The services' logger: pino, one JSON object per line on stdout, so the platform's log collector
 * needs no parsing rules. Level from WEIR_LOG_LEVEL, else LOG_LEVEL (what the Helm chart's
 * ConfigMap sets), else info.
 */
import { pino, type Logger, type LoggerOptions } from 'pino';

export type { Logger } from 'pino';

/** Header values that must never reach a log line, whatever a caller decides to log. */
const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  'headers.authorization',
  'headers["x-api-key"]',
];

export function logLevelFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  return env.WEIR_LOG_LEVEL?.trim() || env.LOG_LEVEL?.trim() || 'info';
}

export function serviceLogger(name: string, options: LoggerOptions = {}): Logger {
  return pino({
    name,
    level: logLevelFromEnv(),
    // ISO times read better than epoch ms when someone greps a pod's log.
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    ...options,
  });
}

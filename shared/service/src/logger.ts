/**
 * The services' logger: pino, one JSON object per line on stdout, so the platform's log collector
 * needs no parsing rules. Level from WEIR_LOG_LEVEL, else LOG_LEVEL (what the Helm chart's
 * ConfigMap sets), else info.
 */
import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import { redactUrl } from './redact-url.js';

export type { Logger } from 'pino';

/** Header values that must never reach a log line, whatever a caller decides to log. */
const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers["proxy-authorization"]',
  'req.headers.cookie',
  'headers.authorization',
  'headers["x-api-key"]',
  'headers["proxy-authorization"]',
  'headers.cookie',
  'headers["set-cookie"]',
  'res.headers["set-cookie"]',
];

export function logLevelFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  return env.WEIR_LOG_LEVEL?.trim() || env.LOG_LEVEL?.trim() || 'info';
}

/** `destination`: stdout unless given (tests capture the lines). */
export function serviceLogger(name: string, options: LoggerOptions = {}, destination?: DestinationStream): Logger {
  const settings: LoggerOptions = {
    name,
    level: logLevelFromEnv(),
    // ISO times read better than epoch ms when someone greps a pod's log.
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    // Whoever logs a URL: a key in its query string is replaced.
    serializers: { url: (url: unknown) => (typeof url === 'string' ? redactUrl(url) : url) },
    ...options,
  };
  return destination ? pino(settings, destination) : pino(settings);
}

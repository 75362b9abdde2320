/**
 * The package's logger: pino, JSON lines on stdout, level from WEIR_LOG_LEVEL (default info).
 * Services call `createLogger(name)` once and pass children down; the buses route their own
 * client's logs (kafkajs) into the same logger.
 */
import { pino, type Logger, type LoggerOptions } from 'pino';

export type { Logger } from 'pino';

export function createLogger(name: string, options: LoggerOptions = {}): Logger {
  return pino({ name, level: process.env.WEIR_LOG_LEVEL ?? 'info', ...options });
}

/** A logger that drops everything, for tests and callers that bring none. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

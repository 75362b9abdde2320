/**
 * kafkajs logs through a `logCreator`; this one sends its entries into pino, one level down
 * (kafkajs's INFO is chatter such as "Consumer has joined the group", which is debug to us), and
 * tags them with kafkajs's namespace. kafkajs's ERRORs are mostly retried conditions (a broker
 * answering "rebalancing" or "concurrent transactions"): warnings here. Its connection layer logs
 * every error response the retry logic then handles: debug. Failures that matter reach the
 * caller as thrown StreamErrors and are logged there.
 */
import { logLevel, type LogEntry, type logCreator } from 'kafkajs';
import type { Logger } from 'pino';

/** kafkajs warns about this on every idempotent producer we build with bounded retries, on purpose. */
const EXPECTED_WARNINGS = ['Limiting retries for the idempotent producer'];

export function kafkaLogCreator(logger: Logger): logCreator {
  const kafkaLogger = logger.child({ component: 'kafkajs' });
  return () =>
    ({ namespace, level, log }: LogEntry) => {
      const { message, timestamp: _timestamp, logger: _name, ...extra } = log;
      const fields = { namespace, ...extra };
      if (namespace === 'Connection' && level <= logLevel.WARN) kafkaLogger.debug(fields, message);
      else if (level === logLevel.ERROR) kafkaLogger.warn(fields, message);
      else if (level === logLevel.WARN) {
        if (EXPECTED_WARNINGS.some((w) => message.startsWith(w))) kafkaLogger.debug(fields, message);
        else kafkaLogger.warn(fields, message);
      } else if (level === logLevel.INFO) kafkaLogger.debug(fields, message);
      else kafkaLogger.trace(fields, message);
    };
}

/** Ask kafkajs only for what pino will print: formatting dropped entries costs time. */
export function kafkaLogLevel(logger: Logger): logLevel {
  if (logger.isLevelEnabled('trace')) return logLevel.DEBUG;
  if (logger.isLevelEnabled('debug')) return logLevel.INFO;
  if (logger.isLevelEnabled('warn')) return logLevel.WARN;
  if (logger.isLevelEnabled('error')) return logLevel.ERROR;
  return logLevel.NOTHING;
}

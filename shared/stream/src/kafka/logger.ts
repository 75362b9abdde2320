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

/**
 * Conditions that are normal here: bounded retries on idempotent producers are on purpose, a
 * transaction begun right after the previous commit meets CONCURRENT_TRANSACTIONS and is retried,
 * and rebalances happen.
 */
const EXPECTED = [
  'Limiting retries for the idempotent producer',
  'another concurrent operation on the same transaction',
  // Every member says so at every rebalance; the runner logs what it gained and lost instead.
  'The group is rebalancing, re-joining',
];

export function kafkaLogCreator(logger: Logger): logCreator {
  const kafkaLogger = logger.child({ component: 'kafkajs' });
  return () =>
    ({ namespace, level, log }: LogEntry) => {
      const { message, timestamp: _timestamp, logger: _name, ...extra } = log;
      const fields = { namespace, ...extra };
      const expected = namespace === 'Connection' || EXPECTED.some((text) => message.includes(text));
      if (level <= logLevel.WARN && expected) kafkaLogger.debug(fields, message);
      else if (level <= logLevel.WARN) kafkaLogger.warn(fields, message);
      else if (level === logLevel.INFO) kafkaLogger.debug(fields, message);
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

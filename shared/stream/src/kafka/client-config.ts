/** Turns the validated connection settings into kafkajs's client configuration. */
import type { KafkaConfig, SASLOptions } from 'kafkajs';
import type { Logger } from 'pino';
import type { KafkaConnection, KafkaTuning } from '../config.js';
import { kafkaLogCreator, kafkaLogLevel } from './logger.js';

export function saslOptions(sasl: NonNullable<KafkaConnection['sasl']>): SASLOptions {
  const { username, password } = sasl;
  switch (sasl.mechanism) {
    case 'plain':
      return { mechanism: 'plain', username, password };
    case 'scram-sha-256':
      return { mechanism: 'scram-sha-256', username, password };
    case 'scram-sha-512':
      return { mechanism: 'scram-sha-512', username, password };
  }
}

export function kafkaClientConfig(connection: KafkaConnection, tuning: KafkaTuning, logger: Logger): KafkaConfig {
  const config: KafkaConfig = {
    clientId: connection.clientId,
    brokers: connection.brokers,
    connectionTimeout: tuning.connectionTimeoutMs,
    requestTimeout: tuning.requestTimeoutMs,
    logLevel: kafkaLogLevel(logger),
    logCreator: kafkaLogCreator(logger),
    retry: CLIENT_RETRY,
  };
  if (connection.tls) {
    const { ca, cert, key } = connection.tls;
    // Only the files given: an absent `ca` must mean "system CAs", not "no CAs".
    config.ssl = ca || cert || key ? { ...(ca ? { ca: [ca] } : {}), ...(cert ? { cert } : {}), ...(key ? { key } : {}) } : true;
  }
  if (connection.sasl) config.sasl = saslOptions(connection.sasl);
  return config;
}

/**
 * kafkajs restarts a crashed consumer (e.g. the broker went away) after the wait its failed call's
 * last retry came to, which grows to about 17 s by default: after a broker restart, stages and
 * state restores then sat idle for half of the 30 s the fault campaign allows for recovery. The
 * call that fails there is the connection to the broker, retried by the client's cluster with the
 * client's `retry` (not the consumer's own), so the cap is set on the client: at most 2 s a wait.
 */
export const CLIENT_RETRY = { retries: 5, initialRetryTime: 300, maxRetryTime: 2000 };

/**
 * The validated connection settings as librdkafka properties, and pino behind the client's
 * KafkaJS-style logger.
 */
import type { KafkaJS } from '@confluentinc/kafka-javascript';
import type { Logger } from 'pino';
import type { KafkaConnection, KafkaTuning } from '../config.js';

export type RdKafkaConfig = Record<string, string | number | boolean>;

const SASL_MECHANISMS = { plain: 'PLAIN', 'scram-sha-256': 'SCRAM-SHA-256', 'scram-sha-512': 'SCRAM-SHA-512' } as const;

export function rdkafkaClientConfig(connection: KafkaConnection, tuning: KafkaTuning): RdKafkaConfig {
  const config: RdKafkaConfig = {
    'bootstrap.servers': connection.brokers.join(','),
    'client.id': connection.clientId,
    'socket.connection.setup.timeout.ms': tuning.connectionTimeoutMs,
    // librdkafka logs through the client's logger (below), never to stderr on its own.
    log_level: 4,
  };
  const tls = connection.tls !== null;
  const sasl = connection.sasl !== null;
  config['security.protocol'] = tls ? (sasl ? 'sasl_ssl' : 'ssl') : sasl ? 'sasl_plaintext' : 'plaintext';
  if (connection.tls) {
    // Only the files given: an absent CA means the system's CAs.
    const { ca, cert, key } = connection.tls;
    if (ca) config['ssl.ca.pem'] = ca.toString('utf8');
    if (cert) config['ssl.certificate.pem'] = cert.toString('utf8');
    if (key) config['ssl.key.pem'] = key.toString('utf8');
  }
  if (connection.sasl) {
    config['sasl.mechanisms'] = SASL_MECHANISMS[connection.sasl.mechanism];
    config['sasl.username'] = connection.sasl.username;
    config['sasl.password'] = connection.sasl.password;
  }
  return config;
}

/**
 * The client's own messages at warn and above are worth seeing; the rest is debug. Connection
 * chatter while a broker restarts is expected and recovers by itself.
 */
export function clientLogger(logger: Logger, namespace = 'kafka'): KafkaJS.Logger {
  const child = logger.child({ client: 'confluent', namespace });
  return {
    info: (message, extra) => child.debug(extra ?? {}, message),
    debug: (message, extra) => child.trace(extra ?? {}, message),
    warn: (message, extra) => child.warn(extra ?? {}, message),
    error: (message, extra) => child.error(extra ?? {}, message),
    namespace: (name) => clientLogger(logger, name),
    setLogLevel: () => undefined,
  };
}

/** The client's log level for what pino will print: formatting dropped entries costs time. */
export function clientLogLevel(logger: Logger): KafkaJS.logLevel {
  if (logger.isLevelEnabled('trace')) return 4;
  if (logger.isLevelEnabled('debug')) return 3;
  if (logger.isLevelEnabled('warn')) return 2;
  if (logger.isLevelEnabled('error')) return 1;
  return 0;
}

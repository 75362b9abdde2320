/**
 * Which bus to use and how to reach Kafka, from the environment, validated at start-up:
 *
 *   WEIR_BUS              kafka (default) | embedded
 *   KAFKA_CLIENT          confluent (default: librdkafka) | kafkajs
 *   KAFKA_BROKERS         host:port,host:port          required for kafka
 *   KAFKA_CLIENT_ID       default "weir"
 *   KAFKA_SSL             true to connect with TLS
 *   KAFKA_SSL_CA_FILE, KAFKA_SSL_CERT_FILE, KAFKA_SSL_KEY_FILE    PEM files (cert and key together)
 *   KAFKA_SASL_MECHANISM  plain | scram-sha-256 | scram-sha-512
 *   KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD                      required with a mechanism
 *   Tuning (rarely needed): KAFKA_CONNECTION_TIMEOUT (3s), KAFKA_REQUEST_TIMEOUT (30s),
 *   KAFKA_SESSION_TIMEOUT (10s), KAFKA_MAX_WAIT (100ms), KAFKA_TOPIC_WATCH_INTERVAL (5s),
 *   KAFKA_TRANSACTION_TIMEOUT (60s).
 *
 * Kafka is the default so that a service deployed without KAFKA_BROKERS fails loudly instead
 * of quietly running on an in-process bus nobody else can see.
 */
import { readFileSync } from 'node:fs';
import { env, parseEnv, configError } from './env.js';

export type SaslMechanism = 'plain' | 'scram-sha-256' | 'scram-sha-512';

export interface KafkaTls {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
}

export interface KafkaConnection {
  brokers: string[];
  clientId: string;
  /** null: plaintext. An empty object: TLS with the system's CAs. */
  tls: KafkaTls | null;
  sasl: { mechanism: SaslMechanism; username: string; password: string } | null;
}

export interface KafkaTuning {
  connectionTimeoutMs: number;
  requestTimeoutMs: number;
  /** A member silent this long is dropped from its group; a killed instance's partitions wait this long. */
  sessionTimeoutMs: number;
  /** Longest a fetch waits for data. kafkajs's default (5 s) puts seconds of latency on quiet topics. */
  maxWaitTimeMs: number;
  /** How often pattern subscriptions look for new matching topics. */
  topicWatchIntervalMs: number;
  /** A transaction left open longer than this (by a crashed producer nobody replaces) is aborted. */
  transactionTimeoutMs: number;
}

export const DEFAULT_KAFKA_TUNING: KafkaTuning = {
  connectionTimeoutMs: 3000,
  requestTimeoutMs: 30_000,
  sessionTimeoutMs: 10_000,
  maxWaitTimeMs: 100,
  topicWatchIntervalMs: 5000,
  transactionTimeoutMs: 60_000,
};

/** Which Node client speaks to Kafka: librdkafka through @confluentinc/kafka-javascript, or kafkajs. */
export type KafkaClientName = 'confluent' | 'kafkajs';

export type BusConfig =
  | { kind: 'embedded' }
  | { kind: 'kafka'; client: KafkaClientName; connection: KafkaConnection; tuning: KafkaTuning };

const HOST_PORT = /^[A-Za-z0-9.-]+:\d{1,5}$|^\[[0-9A-Fa-f:.]+\]:\d{1,5}$/;

export const busEnv = {
  bus: env.oneOf('WEIR_BUS', ['kafka', 'embedded']).default('kafka').describe('Message bus; embedded is in-process (one-process runs and tests)'),
  client: env.oneOf('KAFKA_CLIENT', ['confluent', 'kafkajs']).default('kafkajs').describe('Kafka client: kafkajs, or confluent (librdkafka: faster, not yet the default)'),
  brokers: env.list('KAFKA_BROKERS', { item: HOST_PORT, expected: 'host:port, comma-separated' }).optional().describe('Kafka bootstrap brokers; required when WEIR_BUS=kafka'),
  clientId: env.string('KAFKA_CLIENT_ID', { pattern: /^[A-Za-z0-9._-]+$/, expected: 'letters, digits, . _ -' }).default('weir').describe('Kafka client id'),
  ssl: env.bool('KAFKA_SSL').default(false).describe('Connect to Kafka with TLS (system CAs unless KAFKA_SSL_CA_FILE)'),
  sslCaFile: env.string('KAFKA_SSL_CA_FILE', { expected: 'path of a PEM file' }).optional().describe('CA certificate (PEM) to trust for Kafka TLS'),
  sslCertFile: env.string('KAFKA_SSL_CERT_FILE', { expected: 'path of a PEM file' }).optional().describe('Client certificate (PEM) for Kafka mutual TLS, with KAFKA_SSL_KEY_FILE'),
  sslKeyFile: env.string('KAFKA_SSL_KEY_FILE', { expected: 'path of a PEM file' }).optional().describe('Client private key (PEM) for Kafka mutual TLS, with KAFKA_SSL_CERT_FILE'),
  saslMechanism: env.oneOf('KAFKA_SASL_MECHANISM', ['plain', 'scram-sha-256', 'scram-sha-512']).optional().describe('Kafka SASL mechanism; needs KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD'),
  saslUsername: env.string('KAFKA_SASL_USERNAME').optional().describe('Kafka SASL user'),
  saslPassword: env.string('KAFKA_SASL_PASSWORD').optional().describe('Kafka SASL password'),
  connectionTimeout: env.duration('KAFKA_CONNECTION_TIMEOUT', { min: '100ms' }).default('3s').describe('Kafka connection timeout'),
  requestTimeout: env.duration('KAFKA_REQUEST_TIMEOUT', { min: '1s' }).default('30s').describe('Kafka request timeout'),
  sessionTimeout: env.duration('KAFKA_SESSION_TIMEOUT', { min: '6s', max: '30m' }).default('10s').describe('Consumer group session timeout: how long the partitions of a dead instance wait before reassignment'),
  maxWait: env.duration('KAFKA_MAX_WAIT', { max: '30s' }).default('100ms').describe('Longest a fetch waits for data (latency on quiet topics)'),
  topicWatchInterval: env.duration('KAFKA_TOPIC_WATCH_INTERVAL', { min: '100ms' }).default('5s').describe('How often pattern subscriptions look for new matching topics'),
  transactionTimeout: env.duration('KAFKA_TRANSACTION_TIMEOUT', { min: '1s', max: '15m' }).default('60s').describe('A transaction left open longer than this (by a crashed producer) is aborted'),
};

export type FileReader = (path: string) => Buffer;

/**
 * Reads and checks the bus settings; throws a WEIR_CONFIG StreamError listing every problem.
 * Certificate files are read here, so a wrong path fails at start-up, not at first connect.
 */
export function busConfigFromEnv(source: NodeJS.ProcessEnv = process.env, readFile: FileReader = readFileSync): BusConfig {
  const { values: v, problems, valid } = parseEnv(busEnv, source);
  if (v.bus === 'embedded') {
    if (problems.length > 0) throw configError(problems);
    return { kind: 'embedded' };
  }
  // With WEIR_BUS itself invalid, whether brokers are needed is unknown: say nothing about them.
  if (v.bus === 'kafka' && v.brokers === undefined && !problems.some((p) => p.startsWith('KAFKA_BROKERS'))) {
    problems.push('KAFKA_BROKERS is required when WEIR_BUS=kafka (host:port, comma-separated)');
  }

  const tls: KafkaTls = {};
  const files = [
    ['ca', 'KAFKA_SSL_CA_FILE', v.sslCaFile],
    ['cert', 'KAFKA_SSL_CERT_FILE', v.sslCertFile],
    ['key', 'KAFKA_SSL_KEY_FILE', v.sslKeyFile],
  ] as const;
  for (const [field, name, path] of files) {
    if (path === undefined) continue;
    if (v.ssl === false) problems.push(`${name} is set but KAFKA_SSL is not true`);
    try {
      tls[field] = readFile(path);
    } catch (err) {
      problems.push(`${name}=${JSON.stringify(path)} cannot be read: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  if ((v.sslCertFile === undefined) !== (v.sslKeyFile === undefined)) {
    problems.push('KAFKA_SSL_CERT_FILE and KAFKA_SSL_KEY_FILE go together: set both or neither');
  }

  const hasCredentials = v.saslUsername !== undefined || v.saslPassword !== undefined;
  if (v.saslMechanism !== undefined) {
    if (v.saslUsername === undefined) problems.push(`KAFKA_SASL_USERNAME is required with KAFKA_SASL_MECHANISM=${v.saslMechanism}`);
    if (v.saslPassword === undefined) problems.push(`KAFKA_SASL_PASSWORD is required with KAFKA_SASL_MECHANISM=${v.saslMechanism}`);
  } else if (hasCredentials && !problems.some((p) => p.startsWith('KAFKA_SASL_MECHANISM'))) {
    problems.push('KAFKA_SASL_USERNAME/KAFKA_SASL_PASSWORD are set but KAFKA_SASL_MECHANISM is not (plain, scram-sha-256 or scram-sha-512)');
  }

  const c = valid();
  return {
    kind: 'kafka',
    client: v.client!,
    connection: {
      // Both checked above: brokers are required on Kafka, credentials with a mechanism.
      brokers: c.brokers ?? [],
      clientId: c.clientId,
      tls: c.ssl ? tls : null,
      sasl:
        c.saslMechanism === undefined || c.saslUsername === undefined || c.saslPassword === undefined
          ? null
          : { mechanism: c.saslMechanism, username: c.saslUsername, password: c.saslPassword },
    },
    tuning: {
      connectionTimeoutMs: c.connectionTimeout,
      requestTimeoutMs: c.requestTimeout,
      sessionTimeoutMs: c.sessionTimeout,
      maxWaitTimeMs: c.maxWait,
      topicWatchIntervalMs: c.topicWatchInterval,
      transactionTimeoutMs: c.transactionTimeout,
    },
  };
}

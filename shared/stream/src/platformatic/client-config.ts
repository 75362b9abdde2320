/** The validated connection settings as @platformatic/kafka's client options. */
import type { BaseOptions } from '@platformatic/kafka';
import type { KafkaConnection, KafkaTuning } from '../config.js';

const SASL_MECHANISMS = { plain: 'PLAIN', 'scram-sha-256': 'SCRAM-SHA-256', 'scram-sha-512': 'SCRAM-SHA-512' } as const;

export function platformaticClientOptions(connection: KafkaConnection, tuning: KafkaTuning, role: string): BaseOptions {
  return {
    clientId: `${connection.clientId}-${role}`,
    bootstrapBrokers: connection.brokers,
    connectTimeout: tuning.connectionTimeoutMs,
    requestTimeout: tuning.requestTimeoutMs,
    // The client's default retries 3 times 1 s apart; the runner has its own backoff above it.
    retries: 3,
    retryDelay: 250,
    ...(connection.tls ? { tls: { ...(connection.tls.ca ? { ca: connection.tls.ca } : {}), ...(connection.tls.cert ? { cert: connection.tls.cert } : {}), ...(connection.tls.key ? { key: connection.tls.key } : {}) } } : {}),
    ...(connection.sasl
      ? { sasl: { mechanism: SASL_MECHANISMS[connection.sasl.mechanism], username: connection.sasl.username, password: connection.sasl.password } }
      : {}),
  };
}

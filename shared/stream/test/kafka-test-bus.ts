/**
 * The Kafka bus for tests, on the broker named by KAFKA_BROKERS (the test runner provides it).
 * Without one the test FAILS: a suite that silently skips would pass on a machine that tests nothing.
 */
import { connectConfluentBus, type ConfluentBus } from '../src/confluent/index.js';
import { connectKafkaBus, type KafkaBus } from '../src/kafka/index.js';
import { kafkaTestConnection, testLogger } from './test-connection.js';

export { kafkaTestConnection, testLogger };

export async function kafkaTestBus(name = 'kafka-test'): Promise<KafkaBus> {
  const { connection, tuning } = kafkaTestConnection();
  // Short watch interval: the pattern test waits for it. Minimum session timeout the broker accepts.
  return connectKafkaBus({
    connection,
    tuning: { ...tuning, topicWatchIntervalMs: 1000, sessionTimeoutMs: 6000 },
    logger: testLogger(name),
  });
}

/** The same broker through librdkafka (`@confluentinc/kafka-javascript`). */
export async function confluentTestBus(name = 'confluent-test'): Promise<ConfluentBus> {
  const { connection, tuning } = kafkaTestConnection();
  return connectConfluentBus({
    connection,
    tuning: { ...tuning, topicWatchIntervalMs: 1000, sessionTimeoutMs: 6000 },
    logger: testLogger(name),
  });
}

/**
 * The Kafka bus for tests, on the broker named by KAFKA_BROKERS (the test runner provides it).
 * Without one the test FAILS: a suite that silently skips would pass on a machine that tests nothing.
 */
import { connectConfluentBus, type ConfluentBus } from '../src/confluent/index.js';
import { connectKafkaBus, type KafkaBus } from '../src/kafka/index.js';
import { kafkaTestConnection, testBusOptions, testLogger } from './test-connection.js';

export { kafkaTestConnection, testLogger };

export function kafkaTestBus(name = 'kafka-test'): Promise<KafkaBus> {
  return connectKafkaBus(testBusOptions(name));
}

/** The same broker through librdkafka (`@confluentinc/kafka-javascript`). */
export function confluentTestBus(name = 'confluent-test'): Promise<ConfluentBus> {
  return connectConfluentBus(testBusOptions(name));
}

/**
 * The broker named by KAFKA_BROKERS (the test runner provides it), and the tests' logger. Apart
 * from kafka-test-bus.ts, which loads every client: the platformatic tests run on Node 22, where
 * the librdkafka addon (built for the project's Node 20) does not load.
 * Without a broker the test FAILS: a suite that silently skips would pass on a machine that tests nothing.
 */
import type { Logger } from 'pino';
import { busConfigFromEnv } from '../src/config.js';
import { createLogger } from '../src/log.js';

export function kafkaTestConnection() {
  if (!process.env.KAFKA_BROKERS) {
    throw new Error('KAFKA_BROKERS is not set: these tests need a real broker (run them with `pnpm test`, which starts one)');
  }
  const config = busConfigFromEnv({ ...process.env, WEIR_BUS: 'kafka' });
  if (config.kind !== 'kafka') throw new Error('unreachable: WEIR_BUS=kafka');
  return config;
}

export function testLogger(name: string): Logger {
  return createLogger(name, { level: process.env.WEIR_TEST_LOG_LEVEL ?? 'error' });
}

/**
 * What every client's test bus connects with: a short watch interval (the pattern test waits for
 * it) and the minimum session timeout the broker accepts.
 */
export function testBusOptions(name: string) {
  const { connection, tuning } = kafkaTestConnection();
  return { connection, tuning: { ...tuning, topicWatchIntervalMs: 1000, sessionTimeoutMs: 6000 }, logger: testLogger(name) };
}

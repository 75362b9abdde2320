/**
 * After a broker outage kafkajs restarts a crashed consumer after the wait its failed call's last
 * retry came to: the connection to the broker, retried with the client's `retry`. That wait is
 * capped at 2 s, so a consumer is back within seconds of the broker's return (the broker-restart
 * fault saw "Restarting the consumer in 17040ms" before the cap was on the client). No broker
 * needed: a port nobody listens on refuses at once.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { Kafka } from 'kafkajs';
import { DEFAULT_KAFKA_TUNING } from '../src/config.js';
import { kafkaClientConfig } from '../src/kafka/client-config.js';
import { silentLogger } from '../src/log.js';

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

test('a consumer that cannot reach the broker fails with a last retry wait of at most 2 s (what kafkajs waits before restarting it)', async () => {
  const connection = { brokers: [`127.0.0.1:${await closedPort()}`], clientId: 'retry-test', tls: null, sasl: null };
  const kafka = new Kafka(kafkaClientConfig(connection, DEFAULT_KAFKA_TUNING, silentLogger()));
  const consumer = kafka.consumer({ groupId: 'retry-test' });
  const err = await consumer.connect().then(
    () => assert.fail('connected to a closed port'),
    (e: unknown) => e as Error & { retryCount?: number; retryTime?: number },
  );
  await consumer.disconnect().catch(() => undefined);
  assert.equal(err.name, 'KafkaJSNumberOfRetriesExceeded', err.message);
  assert.equal(err.retryCount, 5, 'every retry made');
  assert.ok(typeof err.retryTime === 'number' && err.retryTime > 0 && err.retryTime <= 2000, `last retry wait ${err.retryTime} ms`);
});

/** The test broker through @platformatic/kafka (Node >= 22.22: the *.node22.test.ts files). */
import { connectPlatformaticBus, type PlatformaticBus } from '../src/platformatic/index.js';
import { kafkaTestConnection, testLogger } from './test-connection.js';

export async function platformaticTestBus(name = 'platformatic-test'): Promise<PlatformaticBus> {
  const { connection, tuning } = kafkaTestConnection();
  // As the other clients' test buses: the pattern test waits for the watch interval.
  return connectPlatformaticBus({
    connection,
    tuning: { ...tuning, topicWatchIntervalMs: 1000, sessionTimeoutMs: 6000 },
    logger: testLogger(name),
  });
}

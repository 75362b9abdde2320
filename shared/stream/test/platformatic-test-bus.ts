/** The test broker through @platformatic/kafka (Node >= 22.22: the *.node22.test.ts files). */
import { connectPlatformaticBus, type PlatformaticBus } from '../src/platformatic/index.js';
import { testBusOptions } from './test-connection.js';

export function platformaticTestBus(name = 'platformatic-test'): Promise<PlatformaticBus> {
  return connectPlatformaticBus(testBusOptions(name));
}

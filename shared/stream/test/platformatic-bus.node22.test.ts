// On Node 22 (@platformatic/kafka needs >= 22.22): `pnpm test` runs *.node22.test.ts files with it.
import { busContract } from './bus.contract.js';
import { platformaticTestBus } from './platformatic-test-bus.js';

busContract('kafka (platformatic)', () => platformaticTestBus('platformatic-bus-test'));

// On Node 22 (@platformatic/kafka needs >= 22.22): `pnpm test` runs *.node22.test.ts files with it.
import { platformaticTestBus } from './platformatic-test-bus.js';
import { runnerContract } from './runner.contract.js';

runnerContract('kafka (platformatic)', () => platformaticTestBus('platformatic-runner-test'));

import { createEmbeddedBus } from '../src/embedded/index.js';
import { runnerContract } from './runner.contract.js';

runnerContract('embedded', async () => createEmbeddedBus());

import { createEmbeddedBus } from '../src/embedded/index.js';
import { busContract } from './bus.contract.js';

busContract('embedded', async () => createEmbeddedBus());

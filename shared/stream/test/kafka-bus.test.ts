import { busContract } from './bus.contract.js';
import { kafkaTestBus } from './kafka-test-bus.js';

busContract('kafka', () => kafkaTestBus('kafka-bus-test'));

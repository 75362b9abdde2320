import { busContract } from './bus.contract.js';
import { confluentTestBus } from './kafka-test-bus.js';

busContract('kafka (confluent)', () => confluentTestBus('confluent-bus-test'));

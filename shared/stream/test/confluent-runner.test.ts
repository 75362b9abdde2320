import { confluentTestBus } from './kafka-test-bus.js';
import { runnerContract } from './runner.contract.js';

runnerContract('kafka (confluent)', () => confluentTestBus('confluent-runner-test'));

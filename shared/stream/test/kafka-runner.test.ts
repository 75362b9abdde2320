import { kafkaTestBus } from './kafka-test-bus.js';
import { runnerContract } from './runner.contract.js';

runnerContract('kafka', () => kafkaTestBus('kafka-runner-test'));

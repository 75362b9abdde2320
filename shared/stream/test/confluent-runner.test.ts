import { confluentTestBus } from './kafka-test-bus.js';
import { runnerContract } from './runner.contract.js';

// Why the confluent client is not the default: the process aborts inside librdkafka here, in about
// one run in six. The bus contract suite still covers its rebalancing (cooperative-sticky).
runnerContract('kafka (confluent)', () => confluentTestBus('confluent-runner-test'), {
  rebalanceDefect: 'librdkafka 2.15.1 aborts (rd_kafka_assignment_partition_stopped: Assertion rktp_started) while a second member joins',
});

import { confluentTestBus } from './kafka-test-bus.js';
import { runnerContract } from './runner.contract.js';

// The rebalance test runs on this client too: librdkafka 2.15.1, which @confluentinc/kafka-javascript
// 1.10.1 bundles, aborted the process there (issue #5573: a second FETCH_STOP for a partition removed
// again before its first stop was answered fails `rktp_started`). scripts/setup.sh puts librdkafka
// 2.16 (which carries the fix) under the binding; confluent-bus.test.ts checks which one is loaded.
runnerContract('kafka (confluent)', () => confluentTestBus('confluent-runner-test'));

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { isStreamError } from '../src/errors.js';
import { busContract } from './bus.contract.js';
import { deleteTestTopics, text, uniqueName } from './helpers.js';
import { confluentTestBus } from './kafka-test-bus.js';

busContract('kafka (confluent)', () => confluentTestBus('confluent-bus-test'));

test('the binding runs on librdkafka 2.16 or later (2.15.1, bundled by the npm package, aborts in rebalances: librdkafka #5573)', () => {
  const { librdkafkaVersion } = createRequire(import.meta.url)('@confluentinc/kafka-javascript') as { librdkafkaVersion: string };
  const [major, minor] = librdkafkaVersion.split('.').map(Number) as [number, number];
  assert.ok(major > 2 || (major === 2 && minor >= 16), `librdkafka ${librdkafkaVersion} is loaded: run scripts/setup.sh`);
});

test('without record metadata, a record the broker refuses fails its send (only failures are reported)', async () => {
  const bus = await confluentTestBus('confluent-failed-send-test');
  try {
    const topic = uniqueName('refused');
    await bus.admin.createTopics([{ topic, partitions: 1, config: { 'max.message.bytes': '2000' } }]);
    const producer = await bus.producer({ recordMetadata: false });
    await producer.send([{ topic, key: 'small', value: text('fits') }]);
    await assert.rejects(
      producer.send([
        { topic, key: 'a', value: text('fits too') },
        { topic, key: 'b', value: Buffer.alloc(10_000, 1) },
      ]),
      (err) => isStreamError(err),
    );
    // The producer goes on: a later send of records that fit is written.
    await producer.send([{ topic, key: 'after', value: text('fits again') }]);
    const [offsets] = await bus.admin.fetchTopicOffsets(topic);
    assert.ok(offsets!.high >= 2, `records after the failure are written (high ${offsets!.high})`);
    await producer.close();
  } finally {
    await deleteTestTopics(bus);
    await bus.close();
  }
});

/**
 * An idempotent producer whose sequence the broker no longer agrees with (after a broker restart
 * the score stage's sends failed with OUT_OF_ORDER_SEQUENCE_NUMBER for half a minute, past the
 * 30 s recovery the broker-restart fault allows): the failing send still fails, and the next one
 * goes through a new kafkajs producer (a new producer id), the stale one disconnected.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Kafka, Producer } from 'kafkajs';
import { StreamError } from '../src/errors.js';
import { KafkaProducer } from '../src/kafka/producer.js';
import { kafkaTestConnection } from './kafka-test-bus.js';

interface FakeProducer {
  sends: number;
  disconnected: boolean;
}

/** A kafkajs stand-in whose first producer answers every send as a broker that lost its sequence does. */
function fakeKafka(): { kafka: Kafka; producers: FakeProducer[] } {
  const producers: FakeProducer[] = [];
  const kafka = {
    producer: () => {
      const state: FakeProducer = { sends: 0, disconnected: false };
      const index = producers.push(state) - 1;
      const producer = {
        connect: async () => undefined,
        disconnect: async () => {
          state.disconnected = true;
        },
        sendBatch: async () => {
          state.sends++;
          if (index === 0) throw Object.assign(new Error('The broker received an out of order sequence number'), { type: 'OUT_OF_ORDER_SEQUENCE_NUMBER', retriable: false });
          return [{ topicName: 't', partition: 0, errorCode: 0, baseOffset: String(state.sends - 1) }];
        },
      };
      return producer as unknown as Producer;
    },
  };
  return { kafka: kafka as unknown as Kafka, producers };
}

test('a send the broker refuses for a lost sequence fails, and the next goes through a new producer id', async () => {
  const { kafka, producers } = fakeKafka();
  const { tuning } = kafkaTestConnection();
  const producer = await KafkaProducer.open(kafka, {}, tuning, () => undefined);
  const message = { topic: 't', key: 'k', value: Buffer.from('v') };
  await assert.rejects(producer.send([message]), (err: unknown) => err instanceof StreamError && /out of order sequence/.test(err.message));
  assert.equal(producers.length, 2, 'a new kafkajs producer was made');
  assert.equal(producers[0]!.disconnected, true, 'the stale one is disconnected');
  assert.deepEqual(await producer.send([message]), [{ topic: 't', partition: 0, baseOffset: 0 }]);
  assert.deepEqual(producers.map((p) => p.sends), [1, 1]);
  await producer.close();
  assert.equal(producers[1]!.disconnected, true);
});

/**
 * `tailTopic` outlives its consumer: one that fails for good (its onFailure) is replaced, and the
 * records read before and after are each kept once. On the embedded bus, whose first consumer is
 * made to fail as a kafkajs one that could not rejoin would.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createEmbeddedBus, type Bus, type ConsumerOptions, type Serde } from '@weir/stream';
import { tailTopic, waitFor } from '../src/services.js';

const text: Serde<string> = {
  encode: async (_topic, value) => Buffer.from(value),
  decode: async (_topic, bytes) => bytes.toString('utf8'),
};

/** The bus, with `failFirstConsumer` stopping its first consumer and calling its onFailure. */
function withFailingConsumer(inner: Bus): { bus: Bus; failFirstConsumer: () => Promise<void> } {
  let failFirst: (() => Promise<void>) | undefined;
  const bus = new Proxy(inner, {
    get(target, prop) {
      if (prop === 'consumer') {
        return (options: ConsumerOptions) => {
          const consumer = target.consumer(options);
          failFirst ??= async () => {
            await consumer.stop();
            options.onFailure?.(new Error('the group would not take it back'));
          };
          return consumer;
        };
      }
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { bus, failFirstConsumer: () => failFirst!() };
}

test('a tail whose consumer fails for good reads on with a new one, each record kept once', async () => {
  const { bus, failFirstConsumer } = withFailingConsumer(createEmbeddedBus());
  const topic = 'tail-replaced';
  await bus.admin.createTopics([{ topic, partitions: 2 }]);
  const producer = await bus.producer();
  const send = (values: string[]) => producer.send(values.map((value) => ({ topic, key: value, value: Buffer.from(value) })));
  const tail = await tailTopic(bus, topic, text);
  try {
    await send(['a', 'b', 'c']);
    await waitFor('the first records', () => tail.records.length >= 3, 30_000);
    await failFirstConsumer();
    await send(['d', 'e', 'f']);
    await waitFor('the records after the failure', () => tail.records.length >= 6, 30_000);
    assert.deepEqual([...tail.records].sort(), ['a', 'b', 'c', 'd', 'e', 'f']);
    assert.equal(new Set(tail.positions).size, tail.positions.length, 'no position kept twice');
  } finally {
    await tail.stop();
    await producer.close();
    await bus.close();
  }
});

/**
 * `tailTopic` outlives its consumer: one that fails for good (its onFailure) is replaced, also when
 * the replacement itself fails as it starts, and the records read before and after are each kept
 * once. On the embedded bus, whose consumers are made to fail as a kafkajs one that could not
 * rejoin would.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createEmbeddedBus, type Bus, type BusConsumer, type ConsumerOptions, type Serde } from '@weir/stream';
import { tailTopic, waitFor } from '../src/services.js';

const text: Serde<string> = {
  encode: async (_topic, value) => Buffer.from(value),
  decode: async (_topic, bytes) => bytes.toString('utf8'),
};

interface FailingBus {
  bus: Bus;
  /** Consumers made so far. */
  made(): number;
  /** Stops the first consumer and calls its onFailure. */
  failFirstConsumer(): Promise<void>;
}

/** The bus; the consumers numbered in `failAtStart` (1-based) call onFailure as their run starts. */
function withFailingConsumers(inner: Bus, failAtStart: ReadonlySet<number>): FailingBus {
  const consumers: Array<{ consumer: BusConsumer; options: ConsumerOptions }> = [];
  const bus = new Proxy(inner, {
    get(target, prop) {
      if (prop === 'consumer') {
        return (options: ConsumerOptions) => {
          const consumer = target.consumer(options);
          consumers.push({ consumer, options });
          if (!failAtStart.has(consumers.length)) return consumer;
          return new Proxy(consumer, {
            get(c, p) {
              const value: unknown = Reflect.get(c, p, c);
              if (p !== 'run' || typeof value !== 'function') return typeof value === 'function' ? value.bind(c) : value;
              return async (...args: unknown[]) => {
                await (value as (...a: unknown[]) => Promise<void>).apply(c, args);
                options.onFailure?.(new Error('failed as it joined'));
              };
            },
          });
        };
      }
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return {
    bus,
    made: () => consumers.length,
    failFirstConsumer: async () => {
      const { consumer, options } = consumers[0]!;
      await consumer.stop();
      options.onFailure?.(new Error('the group would not take it back'));
    },
  };
}

async function tailThroughFailures(failAtStart: ReadonlySet<number>, expectedConsumers: number): Promise<void> {
  const { bus, made, failFirstConsumer } = withFailingConsumers(createEmbeddedBus(), failAtStart);
  const topic = 'tail-replaced';
  await bus.admin.createTopics([{ topic, partitions: 2 }]);
  const producer = await bus.producer();
  const send = (values: string[]) => producer.send(values.map((value) => ({ topic, key: value, value: Buffer.from(value) })));
  const tail = await tailTopic(bus, topic, text);
  try {
    await send(['a', 'b', 'c']);
    await waitFor('the first records', () => tail.records.length >= 3, 30_000);
    await failFirstConsumer();
    // The records after the failures: only the last replacement is left to read them.
    await waitFor(`${expectedConsumers} consumers made`, () => made() >= expectedConsumers, 30_000);
    await send(['d', 'e', 'f']);
    await waitFor('the records after the failure', () => tail.records.length >= 6, 30_000);
    assert.deepEqual([...tail.records].sort(), ['a', 'b', 'c', 'd', 'e', 'f']);
    assert.equal(made(), expectedConsumers, 'no consumer made past the one that works');
  } finally {
    await tail.stop();
    await producer.close();
    await bus.close();
  }
}

test('a tail whose consumer fails for good reads on with a new one, each record kept once', async () => {
  await tailThroughFailures(new Set(), 2);
});

test('a replacement that fails as it starts is replaced in turn', async () => {
  await tailThroughFailures(new Set([2]), 3);
});

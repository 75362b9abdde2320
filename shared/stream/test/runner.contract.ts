/**
 * What runStage must do, on any bus: one suite run against the embedded bus and Kafka.
 * (Crash tests that need a process to kill are in kafka-runner.test.ts.)
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Bus, ConsumedMessage } from '../src/bus.js';
import { DLQ_HEADERS } from '../src/dead-letter.js';
import { StageHealth } from '../src/health.js';
import { noopMetrics, type StageMetrics } from '../src/metrics.js';
import { failingSends, overtakenSend } from './fixtures/failing-bus.js';
import { refetchingConsumers } from './fixtures/refetching-bus.js';
import { runStage, type RunStageOptions } from '../src/runner.js';
import { jsonSerde } from '../src/serde.js';
import { changelogTopicName } from '../src/state/changelog.js';
import { counterStage, type Count, type KeyState, type Request } from './fixtures/counter-stage.js';
import { Collector, deleteTestTopics, uniqueName, waitFor } from './helpers.js';
import type { BusFactory } from './bus.contract.js';
import { testLogger } from './test-connection.js';

const serde = jsonSerde<Request | Count>();

export interface RunningStage {
  stop(): Promise<void>;
  done: Promise<void>;
}

export function startStage(options: Omit<RunStageOptions<Request, Count, KeyState>, 'signal' | 'handleSignals'>): RunningStage {
  const controller = new AbortController();
  const done = runStage({ ...options, signal: controller.signal, handleSignals: false });
  return {
    done,
    stop: async () => {
      controller.abort();
      await done;
    },
  };
}

export async function sendRequests(bus: Bus, topic: string, requests: Request[]): Promise<void> {
  const producer = await bus.producer();
  for (let i = 0; i < requests.length; i += 500) {
    await producer.send(
      requests.slice(i, i + 500).map((r) => ({ topic, key: r.key, value: Buffer.from(JSON.stringify(r)) })),
    );
  }
  await producer.close();
}

/** Reads a topic (read_committed) from its beginning into a collector. */
export async function readTopic(bus: Bus, topic: string): Promise<{ collector: Collector; stop: () => Promise<void> }> {
  const consumer = bus.consumer({ groupId: uniqueName('reader') });
  await consumer.subscribe([topic]);
  const collector = new Collector();
  await collector.start(consumer);
  return { collector, stop: () => consumer.stop() };
}

export function parse(message: ConsumedMessage): Count {
  return JSON.parse(message.value!.toString()) as Count;
}

export function requests(count: number, keys: number, prefix = 'r'): Request[] {
  return Array.from({ length: count }, (_, i) => ({ id: `${prefix}${i}`, key: `k${i % keys}` }));
}

/** Every key's counts are exactly 1..n: nothing lost, nothing counted twice (repeats of a count allowed). */
export function assertExactCounts(outputs: Count[], inputs: Request[]): void {
  const expected = new Map<string, number>();
  for (const r of inputs) expected.set(r.key, (expected.get(r.key) ?? 0) + 1);
  const seen = new Map<string, Set<number>>();
  for (const o of outputs) {
    if (o.closed) continue;
    const set = seen.get(o.key) ?? new Set<number>();
    set.add(o.count);
    seen.set(o.key, set);
  }
  for (const [key, n] of expected) {
    const counts = [...(seen.get(key) ?? [])].sort((a, b) => a - b);
    assert.deepEqual(counts, Array.from({ length: n }, (_, i) => i + 1), `counts of ${key}`);
  }
}

export interface RunnerContractOptions {
  /** A known defect of this bus's client, said out loud: the rebalance test is skipped with it. */
  rebalanceDefect?: string;
}

export function runnerContract(name: string, createBus: BusFactory, options: RunnerContractOptions = {}): void {
  describe(`runStage on the ${name} bus`, () => {
    let bus: Bus;
    before(async () => {
      bus = await createBus();
    });
    after(async () => {
      await deleteTestTopics(bus);
      await bus.close();
    });

    const setup = async (label: string, partitions = 3) => {
      const input = uniqueName(`${label}-in`);
      const output = uniqueName(`${label}-out`);
      const groupId = uniqueName(`${label}-group`);
      await bus.admin.createTopics([
        { topic: input, partitions },
        { topic: output, partitions },
      ]);
      return { input, output, groupId };
    };

    /** A counter stage over `sent` on fresh topics, run until every record is out, then stopped; `options` start it again. */
    const countedOnce = async (label: string, partitions: number, sent: Request[]) => {
      const { input, output, groupId } = await setup(label, partitions);
      await sendRequests(bus, input, sent);
      const options = { bus, groupId, input: [input], stage: counterStage({ output }), serde, state: { name: 'counts' }, logger: testLogger(label) };
      const out = await readTopic(bus, output);
      const stage = startStage(options);
      await out.collector.waitForCount(sent.length, 60_000);
      await stage.stop();
      return { input, groupId, options, out };
    };

    for (const delivery of ['at-least-once', 'exactly-once'] as const) {
      test(`round trip, ${delivery}: consume, process with state, produce, commit`, async () => {
        const { input, output, groupId } = await setup(`trip-${delivery === 'exactly-once' ? 'eos' : 'alos'}`);
        const inputs = requests(300, 7);
        await sendRequests(bus, input, inputs);
        const stage = startStage({
          bus,
          groupId,
          input: [input],
          stage: counterStage({ output }),
          serde,
          delivery,
          state: { name: 'counts' },
          batch: { maxRecords: 50 },
          logger: testLogger(`trip-${delivery}`),
        });
        const { collector, stop } = await readTopic(bus, output);
        await collector.waitForCount(300, 60_000);
        await stage.stop();
        const outputs = collector.messages.map(parse);
        assert.equal(new Set(outputs.map((o) => o.id)).size, 300);
        assertExactCounts(outputs, inputs);
        // Same key, same partition: the output keeps the input's key.
        for (const message of collector.messages) assert.equal(message.key!.toString(), parse(message).key);
        await waitFor('offsets committed', async () => {
          const committed = await bus.admin.fetchCommittedOffsets(groupId, [input]);
          const total = committed.reduce((sum, o) => sum + o.offset, 0);
          const ends = await bus.admin.fetchTopicOffsets(input);
          return total === ends.reduce((sum, o) => sum + o.high, 0);
        });
        await stop();
      });
    }

    test('dead letters keep the original bytes, say why, and the stream goes on', async () => {
      const { input, output, groupId } = await setup('dlq', 1);
      const deadLetters = `${groupId}.dlq`;
      const counted: string[] = [];
      const metrics: StageMetrics = { ...noopMetrics, deadLetters: (reason, n) => void counted.push(`${reason}x${n}`) };
      const producer = await bus.producer();
      await producer.send([
        { topic: input, key: 'a', value: Buffer.from(JSON.stringify({ id: 'ok-1', key: 'a' })) },
        { topic: input, key: 'a', value: Buffer.from('{not json'), headers: { trace: 'abc' } },
        { topic: input, key: 'b', value: Buffer.from(JSON.stringify({ id: 'bad-2', key: 'b', poison: true })) },
        { topic: input, key: 'a', value: Buffer.from(JSON.stringify({ id: 'ok-3', key: 'a' })) },
      ]);
      const stage = startStage({ bus, groupId, input: [input], stage: counterStage({ output }), serde, state: { name: 'counts' }, metrics, logger: testLogger('dlq') });
      const out = await readTopic(bus, output);
      const dlq = await readTopic(bus, deadLetters);
      await out.collector.waitForCount(2, 60_000);
      await dlq.collector.waitForCount(2, 60_000);
      await producer.send([{ topic: input, key: 'a', value: Buffer.from(JSON.stringify({ id: 'ok-4', key: 'a' })) }]);
      await out.collector.waitForCount(3, 60_000);
      await stage.stop();

      // The poisoned record's chunk was retried record by record: the good ones counted once.
      assert.deepEqual(out.collector.messages.map(parse).map((o) => `${o.id}:${o.count}`), ['ok-1:1', 'ok-3:2', 'ok-4:3']);
      const [undecodable, poisoned] = dlq.collector.messages;
      assert.equal(undecodable!.value!.toString(), '{not json');
      assert.equal(undecodable!.key!.toString(), 'a');
      assert.equal(undecodable!.headers.trace!.toString(), 'abc');
      assert.match(undecodable!.headers[DLQ_HEADERS.reason]!.toString(), /^WEIR_STAGE_DECODE: cannot decode/);
      assert.equal(undecodable!.headers[DLQ_HEADERS.sourceTopic]!.toString(), input);
      assert.equal(undecodable!.headers[DLQ_HEADERS.sourcePartition]!.toString(), '0');
      assert.equal(undecodable!.headers[DLQ_HEADERS.sourceOffset]!.toString(), '1');
      assert.equal(undecodable!.headers[DLQ_HEADERS.stage]!.toString(), 'counter');
      assert.ok(!Number.isNaN(Date.parse(undecodable!.headers[DLQ_HEADERS.time]!.toString())));
      assert.equal(JSON.parse(poisoned!.value!.toString()).id, 'bad-2');
      assert.match(poisoned!.headers[DLQ_HEADERS.reason]!.toString(), /^WEIR_STAGE_PROCESS: .*poisoned request bad-2/);
      assert.equal(poisoned!.headers[DLQ_HEADERS.sourceOffset]!.toString(), '2');
      assert.deepEqual(counted.sort(), ['WEIR_STAGE_DECODE x1'.replace(' ', ''), 'WEIR_STAGE_PROCESSx1']);
      await out.stop();
      await dlq.stop();
    });

    test('state is restored from the changelog after a restart, and nothing is counted twice', async () => {
      const first = requests(100, 5, 'a');
      const { input, groupId, options, out } = await countedOnce('restore', 2, first);

      const changelog = changelogTopicName(groupId, 'counts');
      assert.deepEqual(await bus.admin.describeTopicConfig(changelog, ['cleanup.policy']), { 'cleanup.policy': 'compact' });

      const second = requests(50, 5, 'b');
      await sendRequests(bus, input, second);
      const stage = startStage(options);
      await out.collector.waitForCount(150, 60_000);
      await stage.stop();
      assertExactCounts(out.collector.messages.map(parse), [...first, ...second]);
      assert.equal(Math.max(...out.collector.messages.map(parse).filter((o) => o.key === 'k0').map((o) => o.count)), 30);
      await out.stop();
    });

    test('a checkpoint ahead of the committed offset (a commit lost in a rebalance) is committed by the next owner: no lag left behind, nothing replayed', async () => {
      const sent = requests(60, 4, 'a');
      const { input, groupId, options, out } = await countedOnce('lost-commit', 2, sent);
      // As when a rebalance takes the partitions between the checkpoint and the commit: the
      // changelog holds everything, the group's offsets are back at the start. No input follows.
      const ends = await bus.admin.fetchTopicOffsets(input);
      await bus.admin.setCommittedOffsets(groupId, ends.map((e) => ({ topic: input, partition: e.partition, offset: e.low })));
      const stage = startStage(options);
      const atEnd = async () => {
        const committed = await bus.admin.fetchCommittedOffsets(groupId, [input]);
        return ends.every((e) => committed.find((c) => c.partition === e.partition)?.offset === e.high);
      };
      await waitFor('the restored checkpoints committed', atEnd, 60_000);
      await stage.stop();
      assert.equal(out.collector.messages.length, 60, 'nothing replayed: the state already held it');
      assertExactCounts(out.collector.messages.map(parse), sent);
      await out.stop();
    });

    test('state moves with its partition when a second instance joins the group', { skip: options.rebalanceDefect ?? false }, async () => {
      const { input, output, groupId } = await setup('rebalance', 4);
      const options = { bus, groupId, input: [input], stage: counterStage({ output }), serde, state: { name: 'counts' }, delivery: 'exactly-once' as const, logger: testLogger('rebalance') };
      const out = await readTopic(bus, output);
      const a = startStage(options);
      const first = requests(200, 8, 'a');
      await sendRequests(bus, input, first);
      await out.collector.waitForCount(200, 60_000);
      const b = startStage(options);
      await new Promise((r) => setTimeout(r, name === 'kafka' ? 8000 : 200));
      const second = requests(200, 8, 'b');
      await sendRequests(bus, input, second);
      await out.collector.waitForCount(400, 90_000);
      await a.stop();
      const third = requests(80, 8, 'c');
      await sendRequests(bus, input, third);
      await out.collector.waitForCount(480, 90_000);
      await b.stop();
      const outputs = out.collector.messages.map(parse);
      assert.equal(new Set(outputs.map((o) => o.id)).size, 480);
      assert.equal(outputs.length, 480, 'exactly once: no output twice');
      assertExactCounts(outputs, [...first, ...second, ...third]);
      await out.stop();
    });

    test('onTick emits on a timer and its state changes are checkpointed too', async () => {
      const { input, output, groupId } = await setup('tick', 1);
      const options = {
        bus,
        groupId,
        input: [input],
        stage: counterStage({ output, idleMs: 300 }),
        serde,
        state: { name: 'counts' },
        tickIntervalMs: 100,
        logger: testLogger('tick'),
      };
      const out = await readTopic(bus, output);
      let stage = startStage(options);
      await sendRequests(bus, input, requests(6, 2));
      await out.collector.waitForCount(8, 60_000);
      await stage.stop();
      const closes = out.collector.messages.map(parse).filter((o) => o.closed);
      assert.deepEqual(closes.map((o) => `${o.key}:${o.count}`).sort(), ['k0:3', 'k1:3']);
      // Closed keys were deleted from the checkpointed state: a restart starts them from zero.
      stage = startStage(options);
      await sendRequests(bus, input, [{ id: 'again', key: 'k0' }]);
      await out.collector.waitForCount(9, 60_000);
      await stage.stop();
      const again = out.collector.messages.map(parse).find((o) => o.id === 'again');
      assert.equal(again?.count, 1);
      await out.stop();
    });

    test('a pattern input picks up a topic created while running', async () => {
      const prefix = uniqueName('pattern');
      const output = `${prefix}-out`;
      const groupId = uniqueName('pattern-group');
      await bus.admin.createTopics([{ topic: `${prefix}.a`, partitions: 1 }, { topic: output, partitions: 1 }]);
      const stage = startStage({
        bus,
        groupId,
        input: new RegExp(`^${prefix.replaceAll('.', '\\.')}\\.[a-z]+$`),
        stage: counterStage({ output }),
        serde,
        state: { name: 'counts' },
        logger: testLogger('pattern'),
      });
      const out = await readTopic(bus, output);
      await sendRequests(bus, `${prefix}.a`, [{ id: 'a1', key: 'x' }]);
      await out.collector.waitForCount(1, 60_000);
      await bus.admin.createTopics([{ topic: `${prefix}.b`, partitions: 2 }]);
      await sendRequests(bus, `${prefix}.b`, [{ id: 'b1', key: 'y' }]);
      await out.collector.waitForCount(2, 60_000);
      await stage.stop();
      assert.deepEqual(out.collector.messages.map(parse).map((o) => o.id).sort(), ['a1', 'b1']);
      await out.stop();
    });

    test('a failing produce is retried with backoff, not dead-lettered', async () => {
      const { input, output, groupId } = await setup('retry', 1);
      await sendRequests(bus, input, requests(10, 2));
      const retries: string[] = [];
      const waits: Array<[string, boolean]> = [];
      const metrics: StageMetrics = { ...noopMetrics, retry: (operation) => retries.push(operation), waiting: (op, value) => waits.push([op, value]) };
      const health = new StageHealth();
      const flaky = failingSends(bus, output, 3);
      const stage = startStage({
        bus: flaky,
        groupId,
        input: [input],
        stage: counterStage({ output }),
        serde,
        state: { name: 'counts' },
        metrics,
        health,
        retry: { initialMs: 10, maxMs: 50 },
        logger: testLogger('retry'),
      });
      const out = await readTopic(bus, output);
      await out.collector.waitForCount(10, 60_000);
      await stage.stop();
      assert.deepEqual(retries, ['produce', 'produce', 'produce']);
      // A broker that does not take the records is a dependency wait: flagged while it lasts.
      assert.deepEqual(waits, [['produce', true], ['produce', false]]);
      await health.check();
      assert.equal(out.collector.messages.length, 10);
      assert.deepEqual((await bus.admin.fetchTopicOffsets(`${groupId}.dlq`))[0]!.high, 0);
      await out.stop();
    });

    test('several writes in flight per partition: a produce overtaken by a later one and retried has the later outputs written again behind it', async () => {
      const { input, output, groupId } = await setup('overtaken', 1);
      const inputs = requests(200, 4);
      await sendRequests(bus, input, inputs);
      const retries: string[] = [];
      const metrics: StageMetrics = { ...noopMetrics, retry: (operation) => retries.push(operation) };
      // The third chunk's outputs fail once the fourth chunk's are written. A client that may
      // reorder concurrent sends (BusProducer.ordersSends) gets one write at a time: nothing
      // overtakes, and the held send fails at once.
      const probe = await bus.producer();
      const pipelined = probe.ordersSends === true;
      await probe.close();
      const flaky = overtakenSend(bus, output, 3, pipelined ? 10_000 : 0);
      const stage = startStage({
        bus: flaky,
        groupId,
        input: [input],
        stage: counterStage({ output }),
        serde,
        state: { name: 'counts' },
        batch: { maxRecords: 5 },
        metrics,
        retry: { initialMs: 10, maxMs: 50 },
        logger: testLogger('overtaken'),
      });
      await waitFor('every input committed', async () => (await bus.admin.fetchCommittedOffsets(groupId, [input]))[0]?.offset === 200, 60_000);
      await stage.stop();
      assert.equal(flaky.overtaken(), pipelined, 'a later chunk\'s outputs were written while an earlier chunk\'s produce was in flight');
      assert.deepEqual(retries, ['produce']);
      const written = (await bus.admin.fetchTopicOffsets(output))[0]!.high;
      const out = await readTopic(bus, output);
      await out.collector.waitForCount(written, 60_000);
      const outputs = out.collector.messages.map(parse);
      assertExactCounts(outputs, inputs);
      // A retried chunk's outputs never stay behind newer ones of their keys: the newer ones are
      // written again after them. So in the topic's order, the last copies of each key's counts
      // are in count order (duplicates allowed), and every key ends at its final count.
      const lastAt = new Map<string, Map<number, number>>();
      outputs.forEach((o, at) => {
        const counts = lastAt.get(o.key) ?? new Map<number, number>();
        counts.set(o.count, at);
        lastAt.set(o.key, counts);
      });
      for (const [key, counts] of lastAt) {
        const byCount = [...counts].sort((a, b) => a[0] - b[0]).map(([, at]) => at);
        assert.deepEqual(byCount, [...byCount].sort((a, b) => a - b), `last copies of ${key}'s counts in order`);
      }
      assert.deepEqual([...lastAt.keys()].sort().map((key) => outputs.findLast((o) => o.key === key)!.count), [50, 50, 50, 50]);
      assert.equal((await bus.admin.fetchTopicOffsets(`${groupId}.dlq`))[0]!.high, 0);
      await out.stop();
    });

    test('a dependency outage holds the records: retried with backoff, readiness false, nothing dead-lettered or counted twice', async () => {
      const { input, output, groupId } = await setup('outage', 1);
      await sendRequests(bus, input, requests(12, 3));
      let down = true;
      const retries: string[] = [];
      const waiting: boolean[] = [];
      const metrics: StageMetrics = { ...noopMetrics, retry: (op) => retries.push(op), waiting: (op, value) => op === 'process' && waiting.push(value) };
      const health = new StageHealth();
      const stage = startStage({
        bus,
        groupId,
        input: [input],
        stage: counterStage({ output, dependencyDown: () => down }),
        serde,
        state: { name: 'counts' },
        metrics,
        health,
        retry: { initialMs: 10, maxMs: 50 },
        logger: testLogger('outage'),
      });
      await waitFor('a few retries of the held chunk', () => retries.filter((op) => op === 'process').length >= 3, 60_000);
      await assert.rejects(health.check(), { code: 'WEIR_DEPENDENCY_UNAVAILABLE', message: /waiting for a dependency: counter process: .*does not answer/ });
      assert.deepEqual(waiting, [true]);
      down = false;
      const out = await readTopic(bus, output);
      await out.collector.waitForCount(12, 60_000);
      await stage.stop();
      await health.check();
      assert.deepEqual(waiting, [true, false]);
      // Every record once, each key counted 1, 2, 3, 4 in order: the failed attempts left no trace.
      const counts = new Map<string, number[]>();
      for (const { key, count } of out.collector.messages.map(parse)) counts.set(key, [...(counts.get(key) ?? []), count]);
      assert.deepEqual([...counts.values()], [[1, 2, 3, 4], [1, 2, 3, 4], [1, 2, 3, 4]]);
      assert.equal((await bus.admin.fetchTopicOffsets(`${groupId}.dlq`))[0]!.high, 0);
      await out.stop();
    });

    for (const delivery of ['at-least-once', 'exactly-once'] as const) {
      test(`records delivered again to a partition it still owns are not applied twice, ${delivery}`, async () => {
        // kafkajs fetches a kept partition again from its committed offset after every group join:
        // after a broker restart (whose outage failed commits) that is behind the live state.
        const { input, output, groupId } = await setup(`refetch-${delivery === 'exactly-once' ? 'eos' : 'alos'}`, 1);
        const inputs = requests(60, 3);
        await sendRequests(bus, input, inputs);
        const refetching = refetchingConsumers(bus, 3);
        const out = await readTopic(bus, output);
        const stage = startStage({
          bus: refetching,
          groupId,
          input: [input],
          stage: counterStage({ output }),
          serde,
          delivery,
          state: { name: 'counts' },
          batch: { maxRecords: 10 },
          logger: testLogger(`refetch-${delivery}`),
        });
        await out.collector.waitForCount(60, 60_000);
        await stage.stop();
        assert.ok(refetching.refetched() > 0, 'some records were delivered twice');
        const outputs = out.collector.messages.map(parse);
        assertExactCounts(outputs, inputs);
        assert.equal(outputs.length, 60, `one output per request, none from a record applied again: ${outputs.length}`);
        await out.stop();
      });
    }

    test('graceful stop finishes and commits the batch in hand', async () => {
      const { input, output, groupId } = await setup('graceful', 1);
      await sendRequests(bus, input, requests(20, 2));
      const slow = counterStage({ output, delayMsPerRecord: 50 });
      const stage = startStage({ bus, groupId, input: [input], stage: slow, serde, batch: { maxRecords: 10 }, state: { name: 'counts' }, logger: testLogger('graceful') });
      const out = await readTopic(bus, output);
      await out.collector.waitForCount(1, 60_000);
      await stage.stop();
      await new Promise((r) => setTimeout(r, 300));
      const produced = out.collector.messages.length;
      assert.ok(produced >= 10 && produced % 10 === 0, `whole chunks only, got ${produced}`);
      const committed = await bus.admin.fetchCommittedOffsets(groupId, [input]);
      assert.deepEqual(committed, [{ topic: input, partition: 0, offset: produced }]);
      await out.stop();
    });
  });
}

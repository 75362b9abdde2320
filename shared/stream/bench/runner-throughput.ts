/**
 * How fast runStage moves records through the counter stage (state, checkpoints, commits):
 *   tsx shared/stream/bench/runner-throughput.ts [embedded|kafka] [at-least-once|exactly-once] [records]
 * Kafka needs KAFKA_BROKERS. Prints records/s and the end-to-end latency of a single record on an
 * idle stage (produce → output visible to a read_committed consumer).
 */
import { performance } from 'node:perf_hooks';
import type { Bus } from '../src/bus.js';
import { busConfigFromEnv } from '../src/config.js';
import { createEmbeddedBus } from '../src/embedded/index.js';
import { connectKafkaBus } from '../src/kafka/index.js';
import { createLogger } from '../src/log.js';
import { runStage } from '../src/runner.js';
import { jsonSerde } from '../src/serde.js';
import { counterStage, type Count, type Request } from '../test/fixtures/counter-stage.js';
import { uniqueName } from '../test/helpers.js';

const [kind = 'embedded', delivery = 'at-least-once', countArg = '20000'] = process.argv.slice(2);
if (delivery !== 'at-least-once' && delivery !== 'exactly-once') throw new Error(`unknown delivery ${delivery}`);
const total = Number(countArg);
const logger = createLogger('bench', { level: 'warn' });

async function openBus(): Promise<Bus> {
  if (kind === 'embedded') return createEmbeddedBus();
  const config = busConfigFromEnv({ ...process.env, WEIR_BUS: 'kafka' });
  if (config.kind !== 'kafka') throw new Error('unreachable');
  return connectKafkaBus({ connection: config.connection, tuning: config.tuning, logger });
}

const bus = await openBus();
const input = uniqueName('bench-in');
const output = uniqueName('bench-out');
await bus.admin.createTopics([{ topic: input, partitions: 3 }, { topic: output, partitions: 3 }]);

const producer = await bus.producer();
for (let i = 0; i < total; i += 1000) {
  await producer.send(
    Array.from({ length: Math.min(1000, total - i) }, (_, j) => {
      const request: Request = { id: `r${i + j}`, key: `k${(i + j) % 500}` };
      return { topic: input, key: request.key, value: Buffer.from(JSON.stringify(request)) };
    }),
  );
}

let seen = 0;
let lastSeenAt = 0;
const reader = bus.consumer({ groupId: uniqueName('bench-reader') });
await reader.subscribe([output]);
await reader.run(async (batch) => {
  seen += batch.messages.length;
  lastSeenAt = performance.now();
});

const controller = new AbortController();
const started = performance.now();
const groupId = uniqueName('bench-group');
const done = runStage({
  bus,
  groupId,
  input: [input],
  stage: counterStage({ output }),
  serde: jsonSerde<Request | Count>(),
  delivery,
  state: { name: 'counts' },
  signal: controller.signal,
  handleSignals: false,
  logger,
});
while (seen < total) await new Promise((r) => setTimeout(r, 20));
const seconds = (lastSeenAt - started) / 1000;

// Latency of one record through an idle stage.
const latencies: number[] = [];
for (let i = 0; i < 20; i++) {
  const before = seen;
  const t0 = performance.now();
  await producer.send([{ topic: input, key: 'latency', value: Buffer.from(JSON.stringify({ id: `l${i}`, key: 'latency' })) }]);
  while (seen === before) await new Promise((r) => setImmediate(r));
  latencies.push(performance.now() - t0);
  await new Promise((r) => setTimeout(r, 50));
}
latencies.sort((a, b) => a - b);
console.log(
  JSON.stringify({
    bus: kind,
    delivery,
    records: total,
    seconds: Number(seconds.toFixed(2)),
    recordsPerSecond: Math.round(total / seconds),
    latencyMs: { p50: Number(latencies[10]!.toFixed(1)), max: Number(latencies[19]!.toFixed(1)) },
  }),
);
controller.abort();
await done;
await reader.stop();
await producer.close();
await bus.admin.deleteTopics([input, output, `${groupId}.dlq`, `${groupId}.counts.changelog`]);
await bus.close();

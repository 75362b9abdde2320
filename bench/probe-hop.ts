/**
 * One hop alone, on the real broker: a record's wait from its producer's send to a consumer's
 * handler, with nothing else running. `npx tsx bench/probe-hop.ts [kafkajs|confluent]` sends one
 * record every 10 ms for 5 s over 3 partitions and prints p50 / p99 of the wait;
 * WEIR_PROBE_HOLD_MS keeps each batch in the handler that long (a stage's processing), to show
 * how a held batch delays the partitions around it; WEIR_PROBE_TOPICS (1) topics of 3 partitions
 * each, WEIR_PROBE_CONCURRENCY (1) partitions handled at once, WEIR_PROBE_BURST / WEIR_PROBE_EVERY_MS
 * records per send and the pause between sends (1 / 10). Not a *.bench.ts: `pnpm bench` does not run it.
 */
import { randomUUID } from 'node:crypto';
import { createBusFromEnv } from '../shared/stream/src/index.js';

const client = process.argv[2] ?? 'confluent';
const hold = Number(process.env.WEIR_PROBE_HOLD_MS ?? 0);
/** Topics of 3 partitions each, and partitions handled at once (the runner's default is 16). */
const topicCount = Number(process.env.WEIR_PROBE_TOPICS ?? 1);
const concurrency = Number(process.env.WEIR_PROBE_CONCURRENCY ?? 1);
/** Records per send and ms between sends (1 / 10): the latency bench sends bursts every 50 ms. */
const burst = Number(process.env.WEIR_PROBE_BURST ?? 1);
const every = Number(process.env.WEIR_PROBE_EVERY_MS ?? 10);
const bus = await createBusFromEnv(undefined, { ...process.env, WEIR_BUS: 'kafka', KAFKA_CLIENT: client });
const topic = `probe-hop-${randomUUID().slice(0, 8)}`;
const topics = Array.from({ length: topicCount }, (_, i) => `${topic}-${i}`);
await bus.admin.createTopics(topics.map((t) => ({ topic: t, partitions: 3 })));
const waits: number[] = [];
const consumer = bus.consumer({ groupId: `${topic}-group`, concurrency });
await consumer.subscribe(topics);
await consumer.run(async (batch) => {
  const at = Date.now();
  for (const m of batch.messages) waits.push(at - Number(m.value!.toString()));
  if (hold > 0) await new Promise((r) => setTimeout(r, hold));
});
const producer = await bus.producer();
// Until every partition is assigned, then a second more: the first records are not timed.
while (consumer.assignment().length < topics.length * 3) await new Promise((r) => setTimeout(r, 100));
await new Promise((r) => setTimeout(r, 1_000));
waits.length = 0;
const end = Date.now() + 5_000;
for (let i = 0; Date.now() < end; i++) {
  const now = String(Date.now());
  await producer.send(Array.from({ length: burst }, (_, j) => ({ topic: topics[(i * burst + j) % topics.length]!, key: Buffer.from(`${i}-${j}`), value: Buffer.from(now) })));
  await new Promise((r) => setTimeout(r, every));
}
await new Promise((r) => setTimeout(r, 2_000));
await consumer.stop();
await producer.close();
await bus.admin.deleteTopics(topics);
await bus.close();
waits.sort((a, b) => a - b);
const q = (f: number) => waits[Math.min(waits.length - 1, Math.floor(f * waits.length))];
console.log(`${client} ${topicCount} topic(s), concurrency ${concurrency}, ${burst} record(s) every ${every} ms, hold ${hold} ms: send → handler p50 ${q(0.5)} / p90 ${q(0.9)} / p99 ${q(0.99)} / max ${waits.at(-1)} ms (${waits.length} records)`);

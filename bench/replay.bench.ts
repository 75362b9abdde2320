/**
 * `weir replay` throughput: events/s of a replay (read the range's log records, sessionize,
 * window, score, publish to `<NS>.weir.*`) over simulated traffic of three customers in log topics
 * of 6 partitions, against the bare read of the same records (the baseline: what moving them
 * costs). With the statistical scorer and with the shipped model. On the embedded bus, and on
 * Kafka when KAFKA_BROKERS is set. Median of 3 runs.
 *
 * `npx tsx bench/replay.bench.ts` runs it alone; `pnpm bench replay` with the others.
 */
import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { createSerde, logsTopic, type RequestEvent } from '../shared/contracts/src/index.js';
import { sessionKeyer } from '../shared/features/src/index.js';
import { BaselineScorer, loadScoring, type Scoring } from '../shared/pipeline/src/index.js';
import { createBusFromEnv, createEmbeddedBus, type Bus } from '../shared/stream/src/index.js';
import { openReplayOutputs } from '../shared/cli/src/replay/outputs.js';
import { partitionSpans, readSpans } from '../shared/cli/src/replay/partitions.js';
import { ReplayProgress } from '../shared/cli/src/replay/progress.js';
import { replay } from '../shared/cli/src/replay/replay.js';
import { parsedEvents } from '../shared/testing/src/simulated-traffic.js';
import { formatResult, median, type BenchResult } from './result.js';

const RUNS = 3;
const MINUTES = 30;

function simulatedEvents(run: string): RequestEvent[] {
  return parsedEvents({ customers: 3, durationMs: MINUTES * 60_000, seed: 'bench-replay' }, { customer: (simulated) => `${run}-${simulated}` });
}

async function produce(bus: Bus, events: RequestEvent[]): Promise<string[]> {
  const topics = [...new Set(events.map((e) => logsTopic(e.customer)))].sort();
  await bus.admin.createTopics(topics.map((topic) => ({ topic, partitions: 6 })));
  const serde = createSerde<RequestEvent>();
  const keyOf = sessionKeyer('ip_ua');
  const producer = await bus.producer();
  for (let i = 0; i < events.length; i += 2000) {
    const chunk = events.slice(i, i + 2000);
    await producer.send(await Promise.all(chunk.map(async (e) => ({ topic: logsTopic(e.customer), key: keyOf(e), value: await serde.encode(logsTopic(e.customer), e) }))));
  }
  await producer.close();
  return topics;
}

const FAR = Date.UTC(2100, 0, 1);
const ALL = { start: 0, end: FAR };
const RANGE = { from: 0, to: FAR, warmUpMs: 0, coolDownMs: 0, ingestLagMs: 0 };

async function readOnly(bus: Bus, topics: string[]): Promise<number> {
  const started = performance.now();
  let records = 0;
  for (const topic of topics) {
    const spans = await partitionSpans(bus, topic, ALL);
    await readSpans(bus, topic, spans, (_span, messages) => void (records += messages.length));
  }
  return records / ((performance.now() - started) / 1000);
}

async function replayed(bus: Bus, topics: string[], scoring: Scoring, namespace: string): Promise<number> {
  const outputs = await openReplayOutputs(bus, namespace, null);
  const started = performance.now();
  const summary = await replay({ bus, topics, range: RANGE, sessionizer: {}, window: {}, scoring, outputs, progress: new ReplayProgress(false) });
  await outputs.close();
  return summary.events / ((performance.now() - started) / 1000);
}

async function onBus(label: string, bus: Bus, scorings: Array<[string, Scoring]>): Promise<BenchResult[]> {
  const run = `bench-replay-${randomUUID().slice(0, 8)}`;
  const events = simulatedEvents(run);
  const topics = await produce(bus, events);
  const results: BenchResult[] = [];
  try {
    const baseline: number[] = [];
    for (let i = 0; i < RUNS; i++) baseline.push(await readOnly(bus, topics));
    const base = { name: `read the same ${events.length.toLocaleString('en-US')} log records (${label})`, value: median(baseline) };
    for (const [name, scoring] of scorings) {
      const rates: number[] = [];
      for (let i = 0; i < RUNS; i++) rates.push(await replayed(bus, topics, scoring, `${run}-${i}`));
      results.push({ name: `weir replay, ${name} (${label})`, value: median(rates), unit: 'events/s', baseline: { ...base } });
    }
    results.push({ ...base, unit: 'events/s' });
  } finally {
    const created = (await bus.admin.listTopics()).filter((t) => t.includes(run));
    await bus.admin.deleteTopics(created).catch(() => undefined);
  }
  return results;
}

export async function run(): Promise<BenchResult[]> {
  const statistical = new BaselineScorer();
  const baselineScoring: Scoring = { scorer: () => statistical, shadow: () => null, thresholds: () => ({ suspicious: 0.5, bot: 0.8 }), description: statistical.version, close: () => undefined };
  const model = await loadScoring({ pollMs: 3_600_000 });
  const scorings: Array<[string, Scoring]> = [['statistical scorer', baselineScoring], ['shipped model', model]];
  const results: BenchResult[] = [];
  try {
    const embedded = createEmbeddedBus();
    try {
      results.push(...(await onBus('embedded bus', embedded, scorings)));
    } finally {
      await embedded.close();
    }
    if (process.env.KAFKA_BROKERS) {
      const kafka = await createBusFromEnv(undefined, { ...process.env, WEIR_BUS: 'kafka' });
      try {
        results.push(...(await onBus('Kafka', kafka, scorings)));
      } finally {
        await kafka.close();
      }
    }
  } finally {
    model.close();
  }
  return results;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  for (const result of await run()) console.log(formatResult(result));
}

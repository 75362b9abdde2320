/**
 * `pnpm bench peers`: the same job in Spark Structured Streaming, Kafka Streams and weir, on the
 * same broker (KAFKA_BROKERS, default the shared 127.0.0.1:19092) over the same records.
 *
 * The job: simulated log lines (one record per line, keyed by customer, client IP and user agent)
 * → sessions by event time (30 min gap, 60 s lateness, about ten aggregates each) → per customer,
 * a 1-minute window over the sessions → written back to Kafka. The peers' jobs are in bench/peers/
 * (spark_job.py, kafka-streams/); weir runs its own parse → sessionize → window stages (weir-job.ts),
 * whose sessions carry every weir feature and whose windows carry moments and quantile sketches
 * of each: weir does more work per event than the peers, not less.
 *
 * Three figures per engine, engines run back to back, median of WEIR_PEERS_RUNS (3):
 * - start-up: process launch → the job is ready (Spark's query started, Kafka Streams RUNNING,
 *   every weir stage in its group);
 * - events/s: the traffic pre-loaded in one fresh topic, read from the start: events ÷ (ready →
 *   the broker's append time of the last closed window of every customer);
 * - close → output latency: epochs of traffic produced live at WEIR_PEERS_RATE lines/s, each
 *   followed by the sentinels that close its last windows; latency = the broker's append time of
 *   a customer's last closed window of the epoch − the time its closing sentinels were produced.
 *   (An event's own latency through a session window is its gap by definition; this is what an
 *   engine adds on top.) A first warm-up epoch is run and not counted.
 *
 * Every engine gets two cores: Spark local[2], 2 Kafka Streams threads, weir's three stage
 * processes (single-threaded Node). Nothing of this runs in `pnpm test`; `pnpm bench` runs it only
 * when named (`pnpm bench peers`). Downloads (PySpark, the connector, Kafka Streams) are cached in
 * ~/.cache/weir and show progress.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { WindowSummary } from '../shared/contracts/src/index.js';
import { namespacedSerde } from '../shared/pipeline/src/index.js';
import { createBusFromEnv, type Bus, type BusConsumer } from '../shared/stream/src/index.js';
import { CORES, ENGINES, installPeers, launch, type Engine } from './peers/engines.js';
import { peerInput, peersLastWindows, referenceWindows, weirLastWindows, type PeerInput, type PeerRecord, type ReferenceWindow } from './peers/input.js';
import { formatResult, median, type BenchResult } from './result.js';

const PARTITIONS = 4;
const CUSTOMERS = 3;
const log = (line: string) => process.stderr.write(`  ${line}\n`);

interface Env {
  brokers: string;
  registry: string;
  minutes: number;
  runs: number;
  rate: number;
  epochs: number;
  engines: Engine[];
}

function envOf(source: NodeJS.ProcessEnv): Env {
  const engines = (source.WEIR_PEERS_ENGINES ?? ENGINES.join(',')).split(',') as Engine[];
  for (const e of engines) if (!ENGINES.includes(e)) throw new Error(`WEIR_PEERS_ENGINES: unknown engine ${e} (${ENGINES.join(', ')})`);
  return {
    brokers: source.KAFKA_BROKERS ?? '127.0.0.1:19092',
    registry: source.SCHEMA_REGISTRY_URL ?? 'http://127.0.0.1:18081/apis/ccompat/v7',
    // Simulated minutes of three customers' traffic (about 2,200 lines a minute).
    minutes: Number(source.WEIR_PEERS_MINUTES ?? 120),
    runs: Number(source.WEIR_PEERS_RUNS ?? 3),
    rate: Number(source.WEIR_PEERS_RATE ?? 2000),
    epochs: Number(source.WEIR_PEERS_EPOCHS ?? 5),
    engines,
  };
}

async function produceRecords(bus: Bus, topic: string, records: readonly PeerRecord[]): Promise<number> {
  const producer = await bus.producer();
  for (let i = 0; i < records.length; i += 2000) {
    await producer.send(records.slice(i, i + 2000).map((r) => ({ topic, key: r.key, value: Buffer.from(r.line) })));
  }
  await producer.close();
  return Date.now();
}

/** The topics an engine writes its closed windows to; append-time stamped, so the broker's clock times every engine. */
function outputTopic(engine: Engine, run: string): string {
  return engine === 'weir' ? `${run}.weir.windows` : `${run}.out`;
}

interface ClosedWindow {
  customer: string;
  windowStart: number;
  /** The peers' counts, checked against the reference job (weir's windows count sessions its own way). */
  sessions?: number;
  events?: number;
  /** The broker's append time. */
  at: number;
}

/** Follows an engine's output topic and hands over every closed window. */
async function follow(bus: Bus, engine: Engine, topic: string, registry: string, onWindow: (w: ClosedWindow) => void): Promise<BusConsumer> {
  // weir's windows topic is namespaced by the run: its schema is the plain weir.windows one.
  const serde = engine === 'weir' ? namespacedSerde<WindowSummary>(topic.split('.weir.')[0], {}, { schemaRegistryUrl: registry }) : undefined;
  const consumer = bus.consumer({ groupId: `${topic}-follow-${randomUUID().slice(0, 6)}`, isolation: 'read_uncommitted' });
  await consumer.subscribe([topic]);
  await consumer.run(async (batch) => {
    for (const m of batch.messages) {
      if (!m.value) continue;
      if (serde) {
        const w = await serde.decode(batch.topic, m.value);
        if (w.closed) onWindow({ customer: w.customer, windowStart: w.windowStart, at: m.timestamp });
      } else {
        const w = JSON.parse(m.value.toString('utf8')) as { customer: string; windowStart: number; sessions: number; events: number };
        onWindow({ customer: w.customer, windowStart: Number(w.windowStart), sessions: Number(w.sessions), events: Number(w.events), at: m.timestamp });
      }
    }
  });
  return consumer;
}

/** Resolves with the append time of the last of `expected` (customer → window start) to appear. */
function waitFor(expected: Map<string, number>, seen: Map<string, number>, timeoutMs: number, what: string): { done: Promise<number>; offer: (w: ClosedWindow) => void } {
  let resolve!: (at: number) => void;
  let reject!: (err: Error) => void;
  const done = new Promise<number>((res, rej) => ((resolve = res), (reject = rej)));
  const check = () => {
    if ([...expected].every(([c, start]) => seen.has(`${c}|${start}`))) resolve(Math.max(...[...expected].map(([c, start]) => seen.get(`${c}|${start}`)!)));
  };
  const timer = setTimeout(() => reject(new Error(`WEIR_PEERS_TIMEOUT: ${what}: no closed window for ${[...expected].filter(([c, s]) => !seen.has(`${c}|${s}`)).map(([c, s]) => `${c} ${new Date(s).toISOString()}`).join(', ')} after ${timeoutMs / 1000} s`)), timeoutMs);
  done.finally(() => clearTimeout(timer)).catch(() => undefined);
  return {
    done,
    offer: (w) => {
      seen.set(`${w.customer}|${w.windowStart}`, w.at);
      check();
    },
  };
}

interface Installed {
  installed: Awaited<ReturnType<typeof installPeers>>;
}

async function createOutput(bus: Bus, engine: Engine, run: string): Promise<string> {
  const topic = outputTopic(engine, run);
  await bus.admin.createTopics([{ topic, partitions: PARTITIONS, config: { 'message.timestamp.type': 'LogAppendTime' } }]);
  return topic;
}

/** Deletes every topic of one run: its output and the engine's internal topics (changelogs, repartitions). */
async function deleteRunTopics(bus: Bus, run: string): Promise<void> {
  const topics = (await bus.admin.listTopics()).filter((t) => t.includes(run));
  if (topics.length > 0) await bus.admin.deleteTopics(topics).catch((err: unknown) => log(`could not delete ${topics.join(', ')}: ${String(err)}`));
}

/** How many of the reference job's windows a peer's output holds with the same session and event counts. */
function matching(reference: readonly ReferenceWindow[], got: readonly ClosedWindow[]): number {
  const byId = new Map(got.map((w) => [`${w.customer}|${w.windowStart}`, w]));
  return reference.filter((r) => {
    const w = byId.get(`${r.customer}|${r.windowStart}`);
    return w?.sessions === r.sessions && w.events === r.events;
  }).length;
}

interface ThroughputFigures {
  startup: number;
  rate: number;
  /** Reference windows matched exactly (peers only). */
  matched?: number;
}

/** One throughput run: start-up seconds and events/s over the pre-loaded topic. */
async function throughputRun(bus: Bus, engine: Engine, input: string, data: PeerInput, reference: readonly ReferenceWindow[], env: Env, { installed }: Installed): Promise<ThroughputFigures> {
  const run = `peers-${engine.replace('-', '')}-${randomUUID().slice(0, 8)}`;
  const stateDir = mkdtempSync(join(tmpdir(), `${run}-`));
  const output = await createOutput(bus, engine, run);
  const expected = engine === 'weir' ? weirLastWindows(data) : peersLastWindows(data);
  const waiter = waitFor(expected, new Map(), 20 * 60_000, `${engine} throughput`);
  const windows: ClosedWindow[] = [];
  const follower = await follow(bus, engine, output, env.registry, (w) => {
    windows.push(w);
    waiter.offer(w);
  });
  const launched = Date.now();
  const job = launch(engine, { brokers: env.brokers, registry: env.registry, input, output, run, stateDir }, installed, log);
  try {
    const ready = await job.ready;
    const doneAt = await waiter.done;
    const events = data.traffic.length;
    const figures = { startup: (ready - launched) / 1000, rate: events / ((doneAt - ready) / 1000) };
    if (engine === 'weir') return figures;
    const matched = matching(reference, windows);
    if (matched < reference.length) {
      const got = new Map(windows.map((w) => [`${w.customer}|${w.windowStart}`, w]));
      const differ = reference.filter((r) => got.get(`${r.customer}|${r.windowStart}`)?.events !== r.events).slice(0, 3);
      for (const r of differ) {
        const w = got.get(`${r.customer}|${r.windowStart}`);
        log(`${engine}: ${r.customer} ${new Date(r.windowStart).toISOString()}: reference ${r.sessions} sessions ${r.events} events, got ${w ? `${w.sessions} sessions ${w.events} events` : 'no window'}`);
      }
    }
    return { ...figures, matched };
  } finally {
    await follower.stop();
    await job.stop();
    rmSync(stateDir, { recursive: true, force: true });
    await deleteRunTopics(bus, run);
  }
}

const EPOCH_SHIFT_MS = 6 * 3_600_000;

function shifted(r: PeerRecord, by: number): PeerRecord {
  const time = r.time + by;
  const clf = /\[[^\]]+\]/;
  const d = new Date(time);
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const two = (n: number) => String(n).padStart(2, '0');
  const stamp = `[${two(d.getUTCDate())}/${months[d.getUTCMonth()]}/${d.getUTCFullYear()}:${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} +0000]`;
  return { ...r, time, line: r.line.replace(clf, stamp) };
}

/** Close → output latencies (ms) of one engine over `epochs` epochs produced live. */
async function latencyRun(bus: Bus, engine: Engine, epoch: PeerInput, env: Env, { installed }: Installed): Promise<number[]> {
  const run = `peers-lat-${engine.replace('-', '')}-${randomUUID().slice(0, 8)}`;
  const input = `${run}.lines`;
  await bus.admin.createTopics([{ topic: input, partitions: PARTITIONS }]);
  const stateDir = mkdtempSync(join(tmpdir(), `${run}-`));
  const output = await createOutput(bus, engine, run);
  const last = engine === 'weir' ? weirLastWindows(epoch) : peersLastWindows(epoch);
  const seen = new Map<string, number>();
  let current: ReturnType<typeof waitFor> | undefined;
  const follower = await follow(bus, engine, output, env.registry, (w) => (current ? current.offer(w) : seen.set(`${w.customer}|${w.windowStart}`, w.at)));
  const job = launch(engine, { brokers: env.brokers, registry: env.registry, input, output, run, stateDir }, installed, log);
  const latencies: number[] = [];
  try {
    await job.ready;
    const producer = await bus.producer();
    // Epoch 0 warms the engine up (JIT, Spark's first batches): it is run, not counted.
    for (let k = 0; k <= env.epochs; k++) {
      const by = k * EPOCH_SHIFT_MS;
      const traffic = epoch.traffic.map((r) => shifted(r, by));
      const started = performance.now();
      const chunk = Math.max(1, Math.round(env.rate / 10));
      for (let i = 0; i < traffic.length; i += chunk) {
        const wait = started + (i / env.rate) * 1000 - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        await producer.send(traffic.slice(i, i + chunk).map((r) => ({ topic: input, key: r.key, value: Buffer.from(r.line) })));
      }
      const expected = new Map([...last].map(([c, s]) => [c, s + by]));
      current = waitFor(expected, seen, 5 * 60_000, `${engine} latency epoch ${k}`);
      await producer.send(epoch.sentinels.map((r) => shifted(r, by)).map((r) => ({ topic: input, key: r.key, value: Buffer.from(r.line) })));
      const closedAt = Date.now();
      await current.done;
      const epochLatencies = [...expected].map(([c, s]) => seen.get(`${c}|${s}`)! - closedAt);
      if (k > 0) latencies.push(...epochLatencies);
      log(`${engine} latency ${k === 0 ? 'warm-up epoch' : `epoch ${k}/${env.epochs}`}: ${epochLatencies.join(', ')} ms`);
    }
    await producer.close();
    return latencies;
  } finally {
    await follower.stop();
    await job.stop();
    rmSync(stateDir, { recursive: true, force: true });
    await deleteRunTopics(bus, run);
  }
}

function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? NaN;
}

interface EngineFigures {
  /** The fewest reference windows a run's output matched, of all of them. */
  correct: string;
  startup: number;
  rate: number;
  p50: number;
  p99: number;
}

function table(figures: Map<Engine, EngineFigures>, env: Env, events: number, load: readonly number[]): string {
  const spark = figures.get('spark');
  const rows = [...figures].map(([engine, f]) => {
    const ratio = spark && engine !== 'spark' ? ` (${(f.rate / spark.rate).toFixed(2)}× Spark)` : '';
    const p99ratio = spark && engine !== 'spark' ? ` (${(f.p99 / spark.p99).toFixed(2)}× Spark)` : '';
    return `| ${engine} | ${Math.round(f.rate).toLocaleString('en-US')}${ratio} | ${Math.round(f.p50).toLocaleString('en-US')} | ${Math.round(f.p99).toLocaleString('en-US')}${p99ratio} | ${f.startup.toFixed(1)} | ${f.correct} |`;
  });
  return [
    `${new Date().toISOString().slice(0, 10)}, ${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, 1-minute load average ${Math.min(...load).toFixed(1)}–${Math.max(...load).toFixed(1)} during the runs (other work shares the machine)`,
    `${events.toLocaleString('en-US')} events, ${PARTITIONS} partitions, ${CORES} cores each, medians of ${env.runs}; latency over ${env.epochs} epochs at ${env.rate.toLocaleString('en-US')} lines/s`,
    '| engine | events/s | close → output p50 ms | p99 ms | start-up s | windows equal to the reference |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}

export async function run(): Promise<BenchResult[]> {
  const env = envOf(process.env);
  const installed = { installed: await installPeers(log) };
  const data = peerInput({ minutes: env.minutes, customers: CUSTOMERS, seed: 'peers', partitions: PARTITIONS });
  log(`${data.traffic.length} simulated lines (${env.minutes} min of ${CUSTOMERS} customers) + ${data.sentinels.length} sentinels`);
  const bus = await createBusFromEnv(undefined, { ...process.env, WEIR_BUS: 'kafka', KAFKA_BROKERS: env.brokers });
  const input = `peers-${randomUUID().slice(0, 8)}.lines`;
  try {
    await bus.admin.createTopics([{ topic: input, partitions: PARTITIONS }]);
    await produceRecords(bus, input, [...data.traffic, ...data.sentinels]);
    log(`written once to ${input}`);
    const startups = new Map<Engine, number[]>(env.engines.map((e) => [e, []]));
    const rates = new Map<Engine, number[]>(env.engines.map((e) => [e, []]));
    const matched = new Map<Engine, number[]>(env.engines.map((e) => [e, []]));
    const reference = referenceWindows(data.traffic);
    // The machine is shared: the load beside the runs says how much the absolute figures mean.
    const load: number[] = [];
    const sampleLoad = setInterval(() => load.push(loadavg()[0]!), 5_000).unref();
    load.push(loadavg()[0]!);
    // Back to back, run by run: each engine sees the machine as the others did.
    for (let r = 0; r < env.runs; r++) {
      for (const engine of env.engines) {
        log(`${engine} throughput run ${r + 1}/${env.runs} ...`);
        const { startup, rate, matched: m } = await throughputRun(bus, engine, input, data, reference, env, installed);
        const check = m === undefined ? '' : `, ${m}/${reference.length} windows equal to the reference job's`;
        log(`${engine} throughput run ${r + 1}/${env.runs}: ${Math.round(rate)} events/s, start-up ${startup.toFixed(1)} s${check}`);
        if (m !== undefined) matched.get(engine)!.push(m);
        startups.get(engine)!.push(startup);
        rates.get(engine)!.push(rate);
      }
    }
    // An epoch is the first 2 minutes of the same traffic: a few thousand lines, sessions and windows in every partition.
    const epochTraffic = data.traffic.filter((t) => t.time < data.traffic[0]!.time + 2 * 60_000);
    const epochEnd = Math.max(...epochTraffic.map((t) => t.time));
    const epochLast = new Map<string, number>();
    for (const t of epochTraffic) epochLast.set(t.customer, Math.max(epochLast.get(t.customer) ?? 0, t.time));
    const epoch: PeerInput = { traffic: epochTraffic, lastTime: epochLast, sentinels: data.sentinels.map((s) => shifted(s, epochEnd - Math.max(...data.lastTime.values()))) };
    const figures = new Map<Engine, EngineFigures>();
    for (const engine of env.engines) {
      log(`${engine} latency: ${env.epochs} epochs of ${epochTraffic.length} lines at ${env.rate} lines/s ...`);
      const latencies = (await latencyRun(bus, engine, epoch, env, installed)).sort((a, b) => a - b);
      const m = matched.get(engine)!;
      figures.set(engine, {
        startup: median(startups.get(engine)!),
        rate: median(rates.get(engine)!),
        p50: quantile(latencies, 0.5),
        p99: quantile(latencies, 0.99),
        correct: m.length === 0 ? 'n/a (own windows)' : `${Math.min(...m)}/${reference.length}`,
      });
    }
    clearInterval(sampleLoad);
    console.log(`\n${table(figures, env, data.traffic.length, load)}\n`);
    const spark = figures.get('spark');
    return [...figures].flatMap(([engine, f]): BenchResult[] => [
      { name: `${engine} events/s (peers)`, value: f.rate, unit: 'events/s', ...(spark && engine !== 'spark' ? { baseline: { name: 'spark events/s (peers)', value: spark.rate } } : {}) },
      { name: `${engine} close→output latency p50 (peers)`, value: f.p50, unit: 'ms' },
      { name: `${engine} close→output latency p99 (peers)`, value: f.p99, unit: 'ms', ...(spark && engine !== 'spark' ? { baseline: { name: 'spark close→output latency p99 (peers)', value: spark.p99 } } : {}) },
      { name: `${engine} start-up (peers)`, value: f.startup, unit: 's' },
    ]);
  } finally {
    await bus.admin.deleteTopics([input]).catch(() => undefined);
    await bus.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  for (const result of await run()) console.log(formatResult(result));
}

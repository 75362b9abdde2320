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
 *   the broker's append time of the last of the reference's closed windows to appear);
 * - close → output latency: epochs of traffic produced live at WEIR_PEERS_RATE lines/s, each
 *   followed by the sentinels that close its last windows; latency = the broker's append time of
 *   a customer's last closed window of the epoch − the time its closing sentinels were produced.
 *   (An event's own latency through a session window is its gap by definition; this is what an
 *   engine adds on top.) A first warm-up epoch is run and not counted.
 *
 * Every engine gets the same two cores: its processes are pinned to them by taskset (engines.ts),
 * one engine at a time; Spark local[2], 2 Kafka Streams threads, weir's three stage processes
 * (single-threaded Node). Every engine's closed windows are checked against a reference
 * (reference.ts, weir-reference.ts): any difference fails the bench after the table. Nothing of this runs in `pnpm test`; `pnpm bench` runs it only
 * when named (`pnpm bench peers`). Downloads (PySpark, the connector, Kafka Streams) are cached in
 * ~/.cache/weir and show progress.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { WindowSummary } from '../shared/contracts/src/index.js';
import { namespacedSerde } from '../shared/pipeline/src/index.js';
import { createBusFromEnv, type Bus, type BusConsumer } from '../shared/stream/src/index.js';
import { CORES, cpuProfileDir, engineCpus, ENGINES, installPeers, launch, weirProcesses, type Engine } from './peers/engines.js';
import { topSelf, type Profile } from './profile.js';
import { peerInput, peersLastWindows, sentinelsAfter, weirLastWindows, type PeerInput, type PeerRecord } from './peers/input.js';
import { WEIR_SESSIONIZER } from './peers/weir-job.js';
import { weirReferenceWindows, weirWindow, WEIR_WINDOW_FIELDS } from './peers/weir-reference.js';
import { compareWindows, describeDisagreement, referenceSessions, referenceWindows, WINDOW_FIELDS, type Agreement, type PeerWindow } from './peers/reference.js';
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
  /** The aggregates checked against the reference (weir's: its session count, against weir's offline pipeline). */
  aggregates: PeerWindow;
  /** The broker's append time. */
  at: number;
}

/** A peer's output record: JSON with the reference's field names; a missing or non-numeric field is an error, not a zero. */
function peerWindow(json: string): PeerWindow {
  const raw = JSON.parse(json) as Record<string, unknown>;
  const window = { customer: String(raw.customer), windowStart: Number(raw.windowStart) } as PeerWindow;
  for (const field of WINDOW_FIELDS) {
    const value = Number(raw[field]);
    if (raw[field] === undefined || !Number.isFinite(value)) throw new Error(`WEIR_PEERS_OUTPUT: field ${field} is ${String(raw[field])} in ${json}`);
    window[field] = value;
  }
  return window;
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
        if (w.closed) onWindow({ customer: w.customer, windowStart: w.windowStart, aggregates: weirWindow(w.customer, w.windowStart, w.sessionCount), at: m.timestamp });
      } else {
        const w = peerWindow(m.value.toString('utf8'));
        onWindow({ customer: w.customer, windowStart: w.windowStart, aggregates: w, at: m.timestamp });
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

/** Resolves once every window of `reference` is in `seen`; `offer` after each addition. */
function waitForAll(reference: readonly PeerWindow[], seen: ReadonlyMap<string, number>): { done: Promise<void>; offer: () => void } {
  const ids = new Set(reference.map((r) => `${r.customer}|${r.windowStart}`));
  let resolve!: () => void;
  const done = new Promise<void>((res) => (resolve = res));
  return {
    done,
    offer: () => {
      for (const id of ids) if (seen.has(id)) ids.delete(id);
      if (ids.size === 0) resolve();
    },
  };
}

const QUIET_MS = 30_000;

/** Resolves once `last()` (the time of the latest output) is `ms` in the past. */
async function quiet(last: () => number, ms: number): Promise<void> {
  while (Date.now() - last() < ms) await new Promise((r) => setTimeout(r, Math.max(100, ms - (Date.now() - last()))));
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

/** The windows each engine must write: the peers' job's, and weir's own (from its offline pipeline). */
interface References {
  peers: PeerWindow[];
  weir: PeerWindow[];
}

interface ThroughputFigures {
  startup: number;
  rate: number;
  /** The output against the reference's. */
  agreement: Agreement;
}

/** One throughput run: start-up seconds and events/s over the pre-loaded topic. */
async function throughputRun(bus: Bus, engine: Engine, input: string, data: PeerInput, references: References, env: Env, { installed }: Installed): Promise<ThroughputFigures> {
  const reference = engine === 'weir' ? references.weir : references.peers;
  const run = `peers-${engine.replace('-', '')}-${randomUUID().slice(0, 8)}`;
  const stateDir = mkdtempSync(join(tmpdir(), `${run}-`));
  const output = await createOutput(bus, engine, run);
  const expected = engine === 'weir' ? weirLastWindows(data) : peersLastWindows(data);
  const seen = new Map<string, number>();
  const waiter = waitFor(expected, seen, 20 * 60_000, `${engine} throughput`);
  // An engine writes one batch's windows from several tasks: a customer's last window can land
  // before its earlier ones. A run ends with every window of the reference seen.
  const everyWindow = waitForAll(reference, seen);
  const windows: ClosedWindow[] = [];
  let lastOutput = Date.now();
  const follower = await follow(bus, engine, output, env.registry, (w) => {
    lastOutput = Date.now();
    windows.push(w);
    waiter.offer(w);
    everyWindow.offer();
  });
  const launched = Date.now();
  const job = launch(engine, { brokers: env.brokers, registry: env.registry, input, output, run, stateDir }, installed, log);
  try {
    const ready = await job.ready;
    let doneAt = await waiter.done;
    // A wrong engine never writes some: once its output has been quiet for a while, it wrote all it will.
    const complete = await Promise.race([everyWindow.done.then(() => true), quiet(() => lastOutput, QUIET_MS).then(() => false)]);
    if (!complete) log(`${engine}: no output for ${QUIET_MS / 1000} s with windows of the reference still unseen`);
    doneAt = Math.max(doneAt, ...reference.flatMap((r) => seen.get(`${r.customer}|${r.windowStart}`) ?? []));
    const events = data.traffic.length;
    const figures = { startup: (ready - launched) / 1000, rate: events / ((doneAt - ready) / 1000) };
    const agreement = compareWindows(reference, windows.map((w) => w.aggregates), engine === 'weir' ? WEIR_WINDOW_FIELDS : WINDOW_FIELDS);
    for (const line of describeDisagreement(agreement)) log(`${engine}: ${line}`);
    if (!agrees(agreement)) {
      const file = join(tmpdir(), `${run}-disagreement.json`);
      writeFileSync(file, JSON.stringify(agreement, null, 1));
      log(`${engine}: every window that differs is in ${file}`);
    }
    return { ...figures, agreement };
  } finally {
    await follower.stop();
    await job.stop();
    rmSync(stateDir, { recursive: true, force: true });
    await deleteRunTopics(bus, run);
    if (engine === 'weir') logProfiles(run);
  }
}

/** With WEIR_PEERS_CPU_PROF: how busy each weir process was over its run, and where its time went. */
function logProfiles(run: string): void {
  const dir = cpuProfileDir();
  if (!dir) return;
  for (const stage of weirProcesses()) {
    const file = join(dir, `${run}-${stage}.cpuprofile`);
    if (!existsSync(file)) {
      log(`weir ${stage}: no profile at ${file}`);
      continue;
    }
    const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile & { startTime: number; endTime: number };
    const top = topSelf(profile, 14);
    const idle = top.find((t) => t.where.startsWith('(idle)'))?.share ?? 0;
    log(`weir ${stage}: ${((profile.endTime - profile.startTime) / 1e6).toFixed(1)} s profiled, ${((1 - idle) * 100).toFixed(0)} % busy (${file})`);
    for (const { share, where } of top) log(`  ${(share * 100).toFixed(1).padStart(5)} %  ${where}`);
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
  return { ...r, time, line: r.line.replace(clf, stamp), event: { ...r.event, eventTime: time } };
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
      // Made for the epoch's own time, not shifted: which weir sessions partition a sentinel lands on depends on its time.
      const sentinels = sentinelsAfter([...epoch.lastTime.keys()], Math.max(...epoch.lastTime.values()) + by, PARTITIONS);
      await producer.send(sentinels.map((r) => ({ topic: input, key: r.key, value: Buffer.from(r.line) })));
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

/**
 * How many of the reference job's closed windows an engine may leave out, add or get wrong and
 * still count as computing the same job. Every aggregate is an integer and the input is fixed, so
 * nothing excuses a difference: none.
 */
const MISMATCH_TOLERANCE = 0;

const agrees = (a: Agreement) => a.total - a.equal + a.extra.length <= MISMATCH_TOLERANCE;

function agreementText(a: Agreement): string {
  const wrong = [a.missing.length > 0 ? `${a.missing.length} missing` : '', a.differing.length > 0 ? `${a.differing.length} differing` : '', a.extra.length > 0 ? `${a.extra.length} extra` : ''].filter(Boolean);
  return `${a.equal}/${a.total} equal${wrong.length > 0 ? ` (${wrong.join(', ')})` : ''}`;
}

function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? NaN;
}

interface EngineFigures {
  /** The worst run's agreement with the reference job, in words. */
  correct: string;
  agrees: boolean;
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
    `${events.toLocaleString('en-US')} events, ${PARTITIONS} partitions, ${CORES} cores each (every engine's processes pinned to CPUs ${engineCpus()} by taskset, one engine at a time), medians of ${env.runs}; latency over ${env.epochs} epochs at ${env.rate.toLocaleString('en-US')} lines/s`,
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
    const agreements = new Map<Engine, Agreement[]>(env.engines.map((e) => [e, []]));
    const references: References = {
      peers: referenceWindows(referenceSessions(data.traffic)),
      weir: weirReferenceWindows(data, PARTITIONS, WEIR_SESSIONIZER),
    };
    // The machine is shared: the load beside the runs says how much the absolute figures mean.
    const load: number[] = [];
    const sampleLoad = setInterval(() => load.push(loadavg()[0]!), 5_000).unref();
    load.push(loadavg()[0]!);
    // Back to back, run by run: each engine sees the machine as the others did.
    for (let r = 0; r < env.runs; r++) {
      for (const engine of env.engines) {
        log(`${engine} throughput run ${r + 1}/${env.runs} ...`);
        const { startup, rate, agreement } = await throughputRun(bus, engine, input, data, references, env, installed);
        const check = `, ${agreementText(agreement)}`;
        log(`${engine} throughput run ${r + 1}/${env.runs}: ${Math.round(rate)} events/s, start-up ${startup.toFixed(1)} s${check}`);
        agreements.get(engine)!.push(agreement);
        startups.get(engine)!.push(startup);
        rates.get(engine)!.push(rate);
      }
    }
    // An epoch is the first 2 minutes of the same traffic: a few thousand lines, sessions and windows in every partition.
    const epochTraffic = data.traffic.filter((t) => t.time < data.traffic[0]!.time + 2 * 60_000);
    const epochEnd = Math.max(...epochTraffic.map((t) => t.time));
    const epochLast = new Map<string, number>();
    for (const t of epochTraffic) epochLast.set(t.customer, Math.max(epochLast.get(t.customer) ?? 0, t.time));
    const epoch: PeerInput = { traffic: epochTraffic, lastTime: epochLast, sentinels: sentinelsAfter([...epochLast.keys()], epochEnd, PARTITIONS) };
    const figures = new Map<Engine, EngineFigures>();
    for (const engine of env.engines) {
      // WEIR_PEERS_EPOCHS=0 leaves the latency runs out (a correctness or throughput check alone).
      if (env.epochs > 0) log(`${engine} latency: ${env.epochs} epochs of ${epochTraffic.length} lines at ${env.rate} lines/s ...`);
      const latencies = env.epochs > 0 ? (await latencyRun(bus, engine, epoch, env, installed)).sort((a, b) => a - b) : [];
      const runs = agreements.get(engine)!;
      // The worst run is the engine's figure: one wrong output is a wrong engine.
      const worst = runs.reduce<Agreement | undefined>((w, a) => (!w || a.equal < w.equal || (a.equal === w.equal && a.extra.length > w.extra.length) ? a : w), undefined);
      figures.set(engine, {
        startup: median(startups.get(engine)!),
        rate: median(rates.get(engine)!),
        p50: quantile(latencies, 0.5),
        p99: quantile(latencies, 0.99),
        correct: worst ? `${agreementText(worst)}${engine === 'weir' ? ' (sessions per window, vs weir offline)' : ''}` : 'not run',
        agrees: !worst || agrees(worst),
      });
    }
    clearInterval(sampleLoad);
    console.log(`\n${table(figures, env, data.traffic.length, load)}\n`);
    const wrong = [...figures].filter(([, f]) => !f.agrees).map(([engine, f]) => `${engine} (${f.correct})`);
    if (wrong.length > 0) {
      throw new Error(`WEIR_PEERS_MISMATCH: the closed windows of ${wrong.join(', ')} differ from the reference job's beyond the tolerance (${MISMATCH_TOLERANCE} windows): the figures above compare engines that do not compute the same thing`);
    }
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

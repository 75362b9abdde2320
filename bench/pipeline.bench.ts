/**
 * Stage throughput against a bare relay, and end-to-end latency.
 *
 * - For sessionize, window and score: events/s through the stage (runner, Avro, state
 *   checkpoints, at-least-once commits) over the same pre-produced records as a bare
 *   consume → produce relay through the same runner, bus and serde. The ratio is the figure: what
 *   the stage's logic costs on top of moving the records. Median of 3 runs, on the embedded bus,
 *   and on Kafka when KAFKA_BROKERS is set.
 * - The score stage also with the shipped model (models/default) on the wasm and cpu TF.js
 *   backends: inference plus single-pass reasons (tree Shapley values) for every flagged session.
 * - End-to-end: the whole pipeline on the embedded bus fed at a fixed rate; latency from an
 *   event's produce to the score record that includes it (p50 / p99). Scores are emitted on
 *   session updates (every 10 events or 30 s of event time), which bounds how fresh they can be.
 *
 * `npx tsx bench/pipeline.bench.ts` runs it alone; `pnpm bench pipeline` with the others.
 */
import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { createSerde, logsTopic, topicSchema, type RequestEvent, type ScoreRecord, type SessionFeatures, type WindowSummary } from '../shared/contracts/src/index.js';
import { Sessionizer, WindowBaseline, featureSetFingerprint, sessionKeyer } from '../shared/features/src/index.js';
import { loadModelPipeline, selectBackend, type BackendName, type ModelPipeline } from '../shared/model/src/index.js';
import { BaselineScorer, DEFAULT_MODEL_DIR, ModelScorer, WindowTable, scoreStage, sessionizeStage, sessionizeStateCodec, windowStage, runScore, runSessionize, runWindow } from '../shared/pipeline/src/index.js';
import { createBusFromEnv, createEmbeddedBus, runStage, silentLogger, stageSerde, type Bus, type KafkaClientName, type Stage, type StateCodec } from '../shared/stream/src/index.js';
import { parsedEvents } from '../shared/testing/src/simulated-traffic.js';
import { relayOnNode22 } from './node22.js';
import { formatResult, median, type BenchResult } from './result.js';

const RUNS = 3;
const registry = {};
/** Where the relay of session records writes: framed as `weir.sessions`, but not read back by anyone. */
const RELAY_TOPIC = 'bench.relay.sessions';
/** Session records produced for a run on the shared broker, on a topic of its own (framed as `weir.sessions`). */
export const SESSIONS_PREFIX = 'bench.sessions.';
const schemaOf = (topic: string) => topicSchema(topic === RELAY_TOPIC || topic.startsWith(SESSIONS_PREFIX) ? 'weir.sessions' : topic);

export function simulatedEvents(minutes: number): RequestEvent[] {
  return parsedEvents({ customers: 3, durationMs: minutes * 60_000, seed: 'bench' });
}

export function sessionRecords(events: RequestEvent[]): SessionFeatures[] {
  const sessionizer = new Sessionizer();
  const records: SessionFeatures[] = [];
  for (const event of events) records.push(...sessionizer.push(event).records);
  records.push(...sessionizer.flush().records);
  return records;
}

export function windowSummaries(sessions: SessionFeatures[]): WindowSummary[] {
  const baseline = new WindowBaseline();
  const summaries: WindowSummary[] = [];
  for (const session of sessions) summaries.push(...baseline.push(session).summaries);
  summaries.push(...baseline.flush().summaries);
  return summaries;
}

export async function produce<T>(bus: Bus, topic: string, values: T[], key: (value: T) => string): Promise<void> {
  const serde = createSerde<T>(registry, { schemaOf });
  await bus.admin.createTopics([{ topic, partitions: 3 }]);
  const producer = await bus.producer();
  // 500 session records stay under the broker's 1 MB request limit, which kafkajs does not split for.
  for (let i = 0; i < values.length; i += 500) {
    const chunk = values.slice(i, i + 500);
    // Registered under the schema of the pipeline topic it imitates.
    await producer.send(await Promise.all(chunk.map(async (v) => ({ topic, key: key(v), value: await serde.encode(topic, v) }))));
  }
  await producer.close();
}

async function drained(bus: Bus, groupId: string, topic: string): Promise<void> {
  const ends = await bus.admin.fetchTopicOffsets(topic);
  const total = ends.reduce((sum, p) => sum + p.high, 0);
  for (;;) {
    const committed = await bus.admin.fetchCommittedOffsets(groupId, [topic]);
    if (committed.reduce((sum, p) => sum + p.offset, 0) >= total) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Seconds for `stage` to consume every record of `topic`, from its first batch to the last
 * commit (the same topic names map to the same schemas).
 */
export async function timeStage<In, Out, S>(
  bus: Bus,
  topic: string,
  stage: Stage<In, Out, S>,
  stateful: boolean,
  tuning: { concurrency?: number; batch?: { maxRecords?: number }; writesInFlight?: number } = {},
  /** The changelog codec the stage's service runs with (the runner's JSON when absent). */
  codec?: StateCodec<S>,
): Promise<number> {
  const groupId = `bench-${stage.name}-${randomUUID()}`;
  const abort = new AbortController();
  // From the first batch handed to the stage: a group join (seconds on Kafka) is start-up, not throughput.
  let started: number | undefined;
  const timed: Stage<In, Out, S> = {
    ...stage,
    process(records, ctx) {
      started ??= performance.now();
      return stage.process(records, ctx);
    },
  };
  const running = runStage({
    bus,
    groupId,
    input: [topic],
    stage: timed,
    serde: stageSerde(createSerde<In>(registry, { schemaOf }), createSerde<Out>(registry, { schemaOf })),
    signal: abort.signal,
    handleSignals: false,
    logger: silentLogger(),
    ...tuning,
    ...(stateful ? { state: { name: `bench-${randomUUID()}`, ...(codec ? { codec } : {}) } } : {}),
  });
  await drained(bus, groupId, topic);
  const seconds = (performance.now() - started!) / 1000;
  abort.abort();
  await running;
  return seconds;
}

export async function shippedModel(backend: BackendName): Promise<ModelPipeline> {
  await selectBackend(backend);
  return loadModelPipeline(DEFAULT_MODEL_DIR, { fingerprint: featureSetFingerprint });
}

/** A stage that forwards each record unchanged: the cost of moving records through the runner. */
export function relay<T>(name: string, output: string): Stage<T, T, never> {
  return { name, process: (records) => records.map((r) => ({ topic: output, key: r.key, value: r.value })) };
}

interface Rates {
  stage: number;
  relay: number;
}

/** The stage and the bare relay over the same records on one bus: relay first, then the stage. */
async function compare<In, Out, S>(bus: Bus, input: string, count: number, stage: Stage<In, Out, S>, relayOut: string, stateful: boolean, codec?: StateCodec<S>): Promise<Rates> {
  const relaySeconds = await timeStage(bus, input, relay<In>(`relay-${stage.name}`, relayOut), false);
  const stageSeconds = await timeStage(bus, input, stage, stateful, {}, codec);
  return { stage: count / stageSeconds, relay: count / relaySeconds };
}

async function stageFigures(
  label: string,
  makeBus: () => Promise<Bus>,
  events: RequestEvent[],
  sessions: SessionFeatures[],
  windows: WindowSummary[],
  only?: string[],
): Promise<BenchResult[]> {
  const keyOf = sessionKeyer('ip_ua');
  const table = new WindowTable();
  for (const w of windows) table.upsert(w);
  const scorer = new BaselineScorer();
  // Each case measures on a fresh bus, with topic names the serde has schemas for.
  const cases: Array<{ name: string; measure: (bus: Bus, suffix: string) => Promise<Rates> }> = [
    {
      name: 'sessionize',
      measure: async (bus, suffix) => {
        const customer = `bench-${suffix}`;
        const input = logsTopic(customer);
        await produce(bus, input, events.map((e) => ({ ...e, customer })), keyOf);
        return compare(bus, input, events.length, sessionizeStage(), logsTopic(`relay-${suffix}`), true, sessionizeStateCodec());
      },
    },
    {
      name: 'window',
      measure: async (bus, suffix) => {
        const input = `${SESSIONS_PREFIX}${suffix}`;
        await produce(bus, input, sessions, (s) => s.customer);
        return compare(bus, input, sessions.length, windowStage(), RELAY_TOPIC, true);
      },
    },
    {
      name: 'score',
      measure: async (bus, suffix) => {
        const input = `${SESSIONS_PREFIX}${suffix}`;
        await produce(bus, input, sessions, (s) => s.customer);
        const stage = scoreStage({ windows: table, scorer: () => scorer, thresholds: () => ({ suspicious: 0.5, bot: 0.8 }) });
        return compare(bus, input, sessions.length, stage, RELAY_TOPIC, true);
      },
    },
    ...(['wasm', 'cpu'] as const).map((backend) => ({
      name: `score with the shipped model (${backend})`,
      measure: async (bus: Bus, suffix: string) => {
        const model = await shippedModel(backend);
        const input = `${SESSIONS_PREFIX}${suffix}`;
        await produce(bus, input, sessions, (s) => s.customer);
        const modelScorer = new ModelScorer(() => model);
        const stage = scoreStage({ windows: table, scorer: () => modelScorer, thresholds: () => model.thresholds });
        try {
          return await compare(bus, input, sessions.length, stage, RELAY_TOPIC, true);
        } finally {
          model.dispose();
        }
      },
    })),
  ];
  const results: BenchResult[] = [];
  for (const { name, measure } of cases) {
    if (only && !only.includes(name)) continue;
    const rates: Rates[] = [];
    for (let run = 0; run < RUNS; run++) {
      process.stderr.write(`  ${label} ${name} run ${run + 1}/${RUNS}\n`);
      const bus = await makeBus();
      rates.push(await measure(bus, randomUUID().slice(0, 8)));
      await bus.close();
    }
    results.push({
      name: `${name} events/s (${label})`,
      value: median(rates.map((r) => r.stage)),
      unit: 'records/s',
      baseline: { name: label === 'kafka' ? 'bare relay (kafka)' : 'bare relay', value: median(rates.map((r) => r.relay)) },
    });
  }
  return results;
}

async function latency(events: RequestEvent[], ratePerSecond: number): Promise<BenchResult[]> {
  const bus = createEmbeddedBus();
  const abort = new AbortController();
  const common = { bus, registry, signal: abort.signal, handleSignals: false, partitions: 3, tickIntervalMs: 100, logger: silentLogger() };
  const scorer = new BaselineScorer();
  const running = [runSessionize({ ...common }), runWindow({ ...common }), runScore({ ...common, stage: { scorer: () => scorer, thresholds: () => ({ suspicious: 0.5, bot: 0.8 }) } })];
  const producedAt = new Map<string, number>();
  const keyOf = sessionKeyer('ip_ua');
  const latencies: number[] = [];
  const scoreSerde = createSerde<ScoreRecord>(registry);
  const reader = bus.consumer({ groupId: 'bench-latency' });
  await reader.subscribe(['weir.scores']);
  await reader.run(async (batch) => {
    const now = performance.now();
    for (const m of batch.messages) {
      const score = await scoreSerde.decode(batch.topic, m.value!);
      const at = producedAt.get(`${score.sessionKey}|${score.lastTime}`);
      if (at !== undefined) latencies.push(now - at);
    }
  });
  const serde = createSerde<RequestEvent>(registry);
  const producer = await bus.producer();
  const started = performance.now();
  const sample = events.slice(0, ratePerSecond * 20);
  for (let i = 0; i < sample.length; i += ratePerSecond / 10) {
    const due = started + (i / ratePerSecond) * 1000;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const chunk = sample.slice(i, i + ratePerSecond / 10);
    const now = performance.now();
    for (const e of chunk) producedAt.set(`${keyOf(e)}|${e.eventTime}`, now);
    await producer.send(await Promise.all(chunk.map(async (e) => ({ topic: logsTopic(e.customer), key: keyOf(e), value: await serde.encode(logsTopic(e.customer), e) }))));
  }
  await new Promise((r) => setTimeout(r, 2000));
  abort.abort();
  await Promise.all(running);
  await reader.stop();
  await bus.close();
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN;
  return [
    { name: `event→score latency p50 at ${ratePerSecond} events/s (embedded, ${latencies.length} scores)`, value: at(0.5), unit: 'ms' },
    { name: `event→score latency p99 at ${ratePerSecond} events/s (embedded)`, value: at(0.99), unit: 'ms' },
  ];
}

/** One bare relay on `client` over fresh topics of its own: records/s from its first batch to its last commit. */
export async function relayRun(client: KafkaClientName, events: RequestEvent[]): Promise<number> {
  const bus = await createBusFromEnv(undefined, { ...process.env, WEIR_BUS: 'kafka', KAFKA_CLIENT: client });
  const suffix = randomUUID().slice(0, 8);
  const customer = `bench-${suffix}`;
  const input = logsTopic(customer);
  await produce(bus, input, events.map((e) => ({ ...e, customer })), sessionKeyer('ip_ua'));
  const seconds = await timeStage(bus, input, relay<RequestEvent>(`relay-${client}`, logsTopic(`relay-${suffix}`)), false);
  await bus.admin.deleteTopics([input, logsTopic(`relay-${suffix}`)]).catch(() => undefined);
  await bus.close();
  return events.length / seconds;
}

/**
 * The bare relay on each Kafka client over the same records, runs interleaved so all see the
 * same machine: `bare relay (kafka)` is the librdkafka client's (the candidate), against kafkajs's.
 * @platformatic/kafka needs Node >= 22.22: its runs go to a Node 22 child (bench/relay-child.ts),
 * which simulates the same records (same seed and minutes) and times the relay the same way.
 */
async function clientRelays(events: RequestEvent[], minutes: number): Promise<BenchResult[]> {
  const clients = ['kafkajs', 'confluent', 'platformatic'] as const;
  const rates = new Map<string, number[]>(clients.map((c) => [c, []]));
  for (let run = 0; run < RUNS; run++) {
    for (const client of clients) {
      const rate = client === 'platformatic' ? await relayOnNode22(client, minutes) : await relayRun(client, events);
      process.stderr.write(`  relay on ${client} run ${run + 1}/${RUNS}: ${Math.round(rate)} records/s\n`);
      rates.get(client)!.push(rate);
    }
  }
  const kafkajs = median(rates.get('kafkajs')!);
  const baseline = { name: 'bare relay (kafkajs)', value: kafkajs };
  return [
    { name: 'bare relay (kafkajs)', value: kafkajs, unit: 'records/s' },
    { name: 'bare relay (kafka)', value: median(rates.get('confluent')!), unit: 'records/s', baseline },
    { name: 'bare relay (platformatic)', value: median(rates.get('platformatic')!), unit: 'records/s', baseline },
  ];
}

export async function run(): Promise<BenchResult[]> {
  // WEIR_BENCH_MINUTES: minutes of simulated traffic (15): more makes a group join's cost smaller beside the run.
  const minutes = Number(process.env.WEIR_BENCH_MINUTES ?? 15);
  const events = simulatedEvents(minutes);
  const sessions = sessionRecords(events);
  const windows = windowSummaries(sessions);
  process.stderr.write(`  ${events.length} events, ${sessions.length} session records, ${windows.length} window summaries\n`);
  // WEIR_BENCH_RELAYS_ONLY=1: only the client relays on the real broker (comparing Kafka clients).
  if (process.env.WEIR_BENCH_RELAYS_ONLY === '1') return process.env.KAFKA_BROKERS ? clientRelays(events, minutes) : [];
  // WEIR_BENCH_KAFKA_ONLY=1: only the figures on the real broker (a shorter run on a shared machine).
  const kafkaOnly = process.env.WEIR_BENCH_KAFKA_ONLY === '1';
  const results = kafkaOnly ? [] : await stageFigures('embedded', async () => createEmbeddedBus(), events, sessions, windows);
  if (process.env.KAFKA_BROKERS) {
    results.push(...(await clientRelays(events, minutes)));
    // The chosen client (KAFKA_CLIENT; kafkajs when unset), its own relay as the baseline; every input is a fresh topic per run.
    const kafka = () => createBusFromEnv(undefined, { ...process.env, WEIR_BUS: 'kafka' });
    // The score stage with the shipped model too: the target is the product's scoring, not the statistical fallback's.
    results.push(...(await stageFigures('kafka', kafka, events, sessions, windows, ['sessionize', 'window', 'score', 'score with the shipped model (wasm)'])));
  }
  if (!kafkaOnly) results.push(...(await latency(events, 1000)));
  return results;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  for (const result of await run()) console.log(formatResult(result));
}

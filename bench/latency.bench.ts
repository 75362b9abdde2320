/**
 * Open-session update latency on the real broker at a live rate (default 20,000 events/s).
 *
 * sessionize, window and score run as three processes (bench/latency-stage.ts; score with the
 * shipped model) over log topics of the bench's own customers. This process produces simulated
 * traffic paced at the rate, every event stamped with the wall-clock time it is sent (so event
 * time is live, as from ingest), and reads `weir.scores`. An event counts as accepted when the
 * broker acknowledged its produce (what ingest waits for before it answers). The latency of an
 * open-session score is from the acceptance of the event that completed the update (the score's
 * `lastTime`) to the score stage's send of it to `weir.scores` (the record's timestamp: this
 * process, busy producing, reads it back later; that delay is printed apart); final scores (closed sessions) are reported apart: by design
 * they wait for the session's gap and then for the window of their last event to close.
 *
 * Knobs (environment): WEIR_LATENCY_RATE (20000), WEIR_LATENCY_SECONDS (15),
 * WEIR_LATENCY_SESSION_LATENESS_MS (the sessionizer's allowed lateness, 0: events are placed as
 * they come; the service default of 60 s holds every event that long in live time),
 * WEIR_LATENCY_UPDATE_EVERY (10, the service default). Needs KAFKA_BROKERS and SCHEMA_REGISTRY_URL.
 * `npx tsx bench/latency.bench.ts` runs it alone; `pnpm bench latency` with nothing else.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { SCORES_TOPIC, SESSIONS_TOPIC, createSerde, isSessionProgress, logsTopic, serdeConfigFromEnv, type RequestEvent, type ScoreRecord, type SessionFeatures } from '../shared/contracts/src/index.js';
import { sessionKeyer } from '../shared/features/src/index.js';
import { namespacedSerde, topicIn } from '../shared/pipeline/src/index.js';
import { createBusFromEnv, type Bus } from '../shared/stream/src/index.js';
import type { LatencyStageConfig } from './latency-stage.js';
import { simulatedEvents } from './pipeline.bench.js';
import type { BenchResult } from './result.js';

const STAGES = ['sessionize', 'window', 'score'] as const;
/** Sends per second: the pace's granularity. */
const TICKS_PER_SECOND = 20;
/** Produce requests in flight at once; when the broker falls behind the pace, the achieved rate says so. */
const MAX_IN_FLIGHT = 16;
/**
 * Producers sending side by side, as several ingest instances would: an idempotent kafkajs
 * producer has one request in flight per broker, which alone caps the pace far below 20k/s here.
 */
const PRODUCERS = 4;

interface StageProcess {
  name: string;
  child: ChildProcess;
  ready: Promise<void>;
  exited: Promise<number | null>;
  output: () => string;
}

function startStage(name: string, config: LatencyStageConfig): StageProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/latency-stage.ts', name], {
    cwd: new URL('..', import.meta.url).pathname,
    env: { ...process.env, WEIR_LATENCY_CONFIG: JSON.stringify(config) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('ready')) resolve();
    });
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    void exited.then((code) => reject(new Error(`${name} exited (${code}) before it was ready:\n${output.slice(-2000)}`)));
  });
  return { name, child, ready, exited, output: () => output };
}

function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

interface Arrival {
  key: string;
  at: number;
  closed: boolean;
  /** When the score stage produced it (the record's timestamp, wall clock). */
  producedAt: number;
}

async function measure(bus: Bus, events: RequestEvent[], rate: number, seconds: number): Promise<BenchResult[]> {
  const id = randomUUID().slice(0, 8);
  const namespace = `benchlat${id}`;
  const lateness = Number(process.env.WEIR_LATENCY_SESSION_LATENESS_MS ?? 0);
  const config: LatencyStageConfig = {
    namespace,
    logsPattern: `^weir\\.logs\\.lat${id}-.+$`,
    partitions: 3,
    // A short gap and window, so that sessions close and final scores come within the run.
    sessionizer: { gapMs: 5_000, allowedLatenessMs: lateness, updateEveryEvents: Number(process.env.WEIR_LATENCY_UPDATE_EVERY ?? 10), updateAfterMs: 2_000 },
    window: { sizeMs: 5_000, allowedLatenessMs: 1_000 },
    tickIntervalMs: 100,
  };
  const sample = events.slice(0, rate * seconds).map((e) => ({ ...e, customer: `lat${id}-${e.customer}` }));
  const customers = [...new Set(sample.map((e) => e.customer))];
  await bus.admin.createTopics(customers.map((c) => ({ topic: logsTopic(c), partitions: config.partitions })));
  const stages = STAGES.map((name) => startStage(name, config));
  const stop = async () => {
    for (const s of stages) s.child.kill('SIGTERM');
    await Promise.all(stages.map((s) => s.exited));
  };
  try {
    await Promise.all(stages.map((s) => s.ready));
    process.stderr.write(`  latency at ${rate} events/s: stages ready\n`);
    const arrivals: Arrival[] = [];
    const scoreSerde = namespacedSerde<ScoreRecord>(namespace, {}, serdeConfigFromEnv());
    const sessionSerde = namespacedSerde<SessionFeatures>(namespace, {}, serdeConfigFromEnv());
    /** When sessionize produced each session record (wall clock), to split the latency by stage. */
    const sessionProduced = new Map<string, number>();
    const reader = bus.consumer({ groupId: `${namespace}-reader` });
    const scoresTopic = topicIn(namespace, SCORES_TOPIC);
    await reader.subscribe([scoresTopic, topicIn(namespace, SESSIONS_TOPIC)]);
    let lastScoreAt = performance.now();
    await reader.run(async (batch) => {
      const at = performance.now();
      if (batch.topic !== scoresTopic) {
        for (const m of batch.messages) {
          if (isSessionProgress(m.headers)) continue;
          const session = await sessionSerde.decode(batch.topic, m.value!);
          sessionProduced.set(`${session.customer}|${session.sessionKey}|${session.lastTime}`, m.timestamp);
        }
        return;
      }
      lastScoreAt = at;
      for (const m of batch.messages) {
        const score = await scoreSerde.decode(batch.topic, m.value!);
        arrivals.push({ key: `${score.customer}|${score.sessionKey}|${score.lastTime}`, at, closed: score.closed, producedAt: m.timestamp });
      }
    });

    const keyOf = sessionKeyer('ip_ua');
    const serde = createSerde<RequestEvent>(serdeConfigFromEnv());
    const producers = await Promise.all(Array.from({ length: PRODUCERS }, () => bus.producer()));
    const accepted = new Map<string, number>();
    /** Acceptance in wall-clock time, to compare with the records' timestamps. */
    const acceptedWall = new Map<string, number>();
    const perTick = Math.max(1, Math.round(rate / TICKS_PER_SECOND));
    const inFlight = new Set<Promise<void>>();
    const started = performance.now();
    for (let i = 0, tick = 0; i < sample.length; i += perTick, tick++) {
      const wait = started + (tick * 1000) / TICKS_PER_SECOND - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      while (inFlight.size >= MAX_IN_FLIGHT) await Promise.race(inFlight);
      const now = Date.now();
      const chunk = sample.slice(i, i + perTick).map((e) => ({ ...e, eventTime: now }));
      const messages = await Promise.all(chunk.map(async (e) => ({ topic: logsTopic(e.customer), key: keyOf(e), value: await serde.encode(logsTopic(e.customer), e) })));
      const sent: Promise<void> = producers[tick % PRODUCERS]!.send(messages).then(() => {
        const at = performance.now();
        const wall = Date.now();
        for (const e of chunk) {
          const key = `${e.customer}|${keyOf(e)}|${e.eventTime}`;
          accepted.set(key, at);
          acceptedWall.set(key, wall);
        }
        inFlight.delete(sent);
      });
      inFlight.add(sent);
    }
    await Promise.all(inFlight);
    const produceSeconds = (performance.now() - started) / 1000;
    // Until the pipeline has been quiet for a while: every update of the run has arrived.
    while (performance.now() - lastScoreAt < 5_000) await new Promise((r) => setTimeout(r, 250));
    await reader.stop();
    await Promise.all(producers.map((p) => p.close()));

    const open: number[] = [];
    const final: number[] = [];
    // Where an open-session update's time goes: accepted → sessionize's record → score's record → read here.
    const toSession: number[] = [];
    const toScore: number[] = [];
    const toReader: number[] = [];
    for (const a of arrivals) {
      const at = accepted.get(a.key);
      if (at === undefined) continue;
      const wall = acceptedWall.get(a.key)!;
      // In weir.scores when the score stage sent it (its timestamp; the same clock as the acceptance):
      // this process reading it back is busy producing, which is the bench's delay, not the pipeline's.
      (a.closed ? final : open).push(a.producedAt - wall);
      const session = sessionProduced.get(a.key);
      if (a.closed || session === undefined) continue;
      toSession.push(session - wall);
      toScore.push(a.producedAt - session);
      toReader.push(a.at - at - (a.producedAt - wall));
    }
    for (const list of [open, final, toSession, toScore, toReader]) list.sort((a, b) => a - b);
    const achieved = sample.length / produceSeconds;
    const label = `at ${rate} events/s (kafka; lateness ${lateness} ms, update every ${config.sessionizer.updateEveryEvents} events)`;
    process.stderr.write(`  ${sample.length} events in ${produceSeconds.toFixed(1)} s; ${open.length} open-session scores, ${final.length} final, of ${arrivals.length}\n`);
    const split = (list: number[]) => `p50 ${quantile(list, 0.5).toFixed(0)} / p99 ${quantile(list, 0.99).toFixed(0)} ms`;
    process.stderr.write(`  open-session update by stage (record timestamps, ms clock): accepted → session record ${split(toSession)}; → score record ${split(toScore)}; → read ${split(toReader)}\n`);
    return [
      { name: `events/s produced for the latency run ${label}`, value: achieved, unit: 'events/s' },
      { name: `open-session update latency p50 ${label}`, value: quantile(open, 0.5), unit: 'ms' },
      { name: `open-session update latency p99 ${label}`, value: quantile(open, 0.99), unit: 'ms' },
      // From the last event's acceptance: the 5 s gap and the 5 s window (+1 s lateness) are by design.
      { name: `final score latency p50 ${label} (gap 5 s, window 5 s + 1 s)`, value: quantile(final, 0.5), unit: 'ms' },
      { name: `final score latency p99 ${label} (gap 5 s, window 5 s + 1 s)`, value: quantile(final, 0.99), unit: 'ms' },
    ];
  } catch (err) {
    for (const s of stages) process.stderr.write(`--- ${s.name}\n${s.output().slice(-3000)}\n`);
    throw err;
  } finally {
    await stop();
    const topics = [...customers.map(logsTopic), ...(await bus.admin.listTopics()).filter((t) => t.startsWith(`${namespace}.`) || t.startsWith(`${namespace}-`))];
    await bus.admin.deleteTopics(topics).catch(() => undefined);
  }
}

export async function run(): Promise<BenchResult[]> {
  if (!process.env.KAFKA_BROKERS) {
    process.stderr.write('  KAFKA_BROKERS not set: the latency figures on the real broker are left out\n');
    return [];
  }
  const rates = (process.env.WEIR_LATENCY_RATE ?? '20000').split(',').map(Number);
  const seconds = Number(process.env.WEIR_LATENCY_SECONDS ?? 15);
  // Simulated traffic runs about 2,300 events per simulated minute (three customers).
  const events = simulatedEvents(Math.ceil((Math.max(...rates) * seconds) / 2_000));
  const bus = await createBusFromEnv(undefined, { ...process.env, WEIR_BUS: 'kafka' });
  try {
    const results: BenchResult[] = [];
    for (const rate of rates) results.push(...(await measure(bus, events, rate, seconds)));
    return results;
  } finally {
    await bus.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { formatResult } = await import('./result.js');
  for (const result of await run()) console.log(formatResult(result));
}

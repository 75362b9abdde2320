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

export interface Arrival {
  key: string;
  /** The session's key (customer|sessionKey), id and events so far: which event or timer caused the update. */
  sessionKey: string;
  sessionId: string;
  requestCount: number;
  firstTime: number;
  lastTime: number;
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
    tickIntervalMs: Number(process.env.WEIR_LATENCY_TICK_MS ?? 100),
  };
  const sample = events.slice(0, rate * seconds).map((e) => ({ ...e, customer: `lat${id}-${e.customer}` }));
  const customers = [...new Set(sample.map((e) => e.customer))];
  await bus.admin.createTopics(customers.map((c) => ({ topic: logsTopic(c), partitions: config.partitions })));
  const stages = STAGES.map((name) => startStage(name, config));
  const stop = async () => {
    for (const s of stages) s.child.kill('SIGTERM');
    await Promise.all(stages.map((s) => s.exited));
    // Each stage's own split: from a record's send to its handler, and how long its batches were held.
    if (process.env.WEIR_LATENCY_DEBUG) for (const s of stages) process.stderr.write(`--- ${s.name}\n${s.output().slice(-1500)}\n`);
    for (const s of stages) for (const line of s.output().split('\n')) if (line.startsWith('hop ')) process.stderr.write(`  ${line}\n`);
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
          // A closed session's record repeats its last update's lastTime: the update's own record is the one timed.
          if (session.closed) continue;
          // By id and count: a burst puts several updates of a session in one send's event time.
          sessionProduced.set(`${session.sessionId}|${session.requestCount}`, m.timestamp);
        }
        return;
      }
      lastScoreAt = at;
      for (const m of batch.messages) {
        const score = await scoreSerde.decode(batch.topic, m.value!);
        arrivals.push({
          key: `${score.customer}|${score.sessionKey}|${score.lastTime}`,
          sessionKey: `${score.customer}|${score.sessionKey}`,
          sessionId: score.sessionId,
          requestCount: score.requestCount,
          firstTime: score.firstTime,
          lastTime: score.lastTime,
          at, closed: score.closed, producedAt: m.timestamp });
      }
    });

    const keyOf = sessionKeyer('ip_ua');
    const serde = createSerde<RequestEvent>(serdeConfigFromEnv());
    const producers = await Promise.all(Array.from({ length: PRODUCERS }, () => bus.producer()));
    const accepted = new Map<string, number>();
    /** Acceptance in wall-clock time, to compare with the records' timestamps. */
    const acceptedWall = new Map<string, number>();
    /** Event times sent per session key (customer|key): where a timer-fired update became due. */
    const sentTimes = new Map<string, number[]>();
    const perTick = Math.max(1, Math.round(rate / TICKS_PER_SECOND));
    const inFlight = new Set<Promise<void>>();
    const started = performance.now();
    for (let i = 0, tick = 0; i < sample.length; i += perTick, tick++) {
      const wait = started + (tick * 1000) / TICKS_PER_SECOND - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      while (inFlight.size >= MAX_IN_FLIGHT) await Promise.race(inFlight);
      const now = Date.now();
      const chunk = sample.slice(i, i + perTick).map((e) => ({ ...e, eventTime: now }));
      for (const e of chunk) {
        const key = `${e.customer}|${keyOf(e)}`;
        const times = sentTimes.get(key);
        if (times === undefined) sentTimes.set(key, [now]);
        else times.push(now);
      }
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
    const causes = updateCauses(arrivals, sentTimes, config.sessionizer);
    // Split by what emitted the update: its session's tenth new event, or its timer.
    const byEvent: number[] = [];
    const byTimer: number[] = [];
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
      const cause = causes.get(a);
      if (cause === 'event') byEvent.push(a.producedAt - wall);
      else if (cause !== undefined) byTimer.push(a.producedAt - cause.due);
      const session = sessionProduced.get(`${a.sessionId}|${a.requestCount}`);
      // A timer's update, timed from its last event, would count the timer's wait as a hop.
      if (cause !== 'event' || session === undefined) continue;
      toSession.push(session - wall);
      toScore.push(a.producedAt - session);
      toReader.push(a.at - at - (a.producedAt - wall));
    }
    for (const list of [open, final, byEvent, byTimer, toSession, toScore, toReader]) list.sort((a, b) => a - b);
    const achieved = sample.length / produceSeconds;
    const label = `at ${rate} events/s (kafka; lateness ${lateness} ms, update every ${config.sessionizer.updateEveryEvents} events)`;
    process.stderr.write(`  ${sample.length} events in ${produceSeconds.toFixed(1)} s; ${open.length} open-session scores, ${final.length} final, of ${arrivals.length}\n`);
    const split = (list: number[]) => `p50 ${quantile(list, 0.5).toFixed(0)} / p99 ${quantile(list, 0.99).toFixed(0)} ms`;
    process.stderr.write(
      `  open-session updates by cause: ${byEvent.length} on an event (from its acceptance) ${split(byEvent)}; ${byTimer.length} on the ${config.sessionizer.updateAfterMs} ms timer (from when it fell due) ${split(byTimer)}\n`,
    );
    process.stderr.write(`  open-session updates on an event, by stage (record timestamps, ms clock): accepted → session record ${split(toSession)}; → score record ${split(toScore)}; → read ${split(toReader)}\n`);
    return [
      { name: `events/s produced for the latency run ${label}`, value: achieved, unit: 'events/s' },
      { name: `open-session update latency p50 ${label}`, value: quantile(open, 0.5), unit: 'ms' },
      { name: `open-session update latency p99 ${label}`, value: quantile(open, 0.99), unit: 'ms' },
      // The figures above time a timer's update from its last event, so they include the timer's wait (by design).
      { name: `open-session update latency p50 ${label}, updates on an event`, value: quantile(byEvent, 0.5), unit: 'ms' },
      { name: `open-session update latency p99 ${label}, updates on an event`, value: quantile(byEvent, 0.99), unit: 'ms' },
      { name: `open-session update latency p50 ${label}, updates on the timer, from when due`, value: quantile(byTimer, 0.5), unit: 'ms' },
      { name: `open-session update latency p99 ${label}, updates on the timer, from when due`, value: quantile(byTimer, 0.99), unit: 'ms' },
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

/**
 * What emitted each open-session update. The sessionizer emits one on a session's
 * `updateEveryEvents`-th event since its last update (then it is that event's update), or once
 * event time passed the oldest event not yet in an update by `updateAfterMs` (its timer: that
 * update's lastTime was accepted up to updateAfterMs earlier, a wait by design). The update before
 * it (same session id, fewer requests) tells which: exactly `updateEveryEvents` new events means
 * the event. For a timer, `due` is the first new event's time (event times are the send's wall
 * clock here) plus `updateAfterMs`. Updates of events placed late are left out (undefined).
 */
export function updateCauses(
  arrivals: readonly Arrival[],
  sentTimes: ReadonlyMap<string, number[]>,
  sessionizer: { updateEveryEvents: number; updateAfterMs: number },
): Map<Arrival, 'event' | { due: number }> {
  const bySession = new Map<string, Arrival[]>();
  for (const a of arrivals) {
    if (a.closed) continue;
    const list = bySession.get(a.sessionId);
    if (list === undefined) bySession.set(a.sessionId, [a]);
    else list.push(a);
  }
  const sorted = new Map<string, number[]>();
  const timesOf = (key: string): number[] => {
    let times = sorted.get(key);
    if (times === undefined) {
      times = [...(sentTimes.get(key) ?? [])].sort((x, y) => x - y);
      sorted.set(key, times);
    }
    return times;
  };
  const causes = new Map<Arrival, 'event' | { due: number }>();
  for (const updates of bySession.values()) {
    updates.sort((x, y) => x.requestCount - y.requestCount);
    let before = 0;
    for (const a of updates) {
      const added = a.requestCount - before;
      before = a.requestCount;
      if (added === sessionizer.updateEveryEvents) {
        causes.set(a, 'event');
        continue;
      }
      // The session's events are its key's events from firstTime to lastTime (sessions of a key never overlap).
      const times = timesOf(a.sessionKey);
      const from = lowerBound(times, a.firstTime);
      const firstNew = times[from + a.requestCount - added];
      if (firstNew === undefined || firstNew > a.lastTime) continue;
      causes.set(a, { due: firstNew + sessionizer.updateAfterMs });
    }
  }
  return causes;
}

function lowerBound(sorted: readonly number[], value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
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

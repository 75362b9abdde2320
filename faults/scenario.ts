/**
 * What every fault test does around its fault: the whole pipeline (ingest, sessionize, window,
 * score as processes) on simulated traffic, posted steadily over HTTP while the fault happens,
 * and at the end every final score compared with the offline pipeline's on the same traffic
 * (the same code `weir score` runs): none lost, none changed. Durations scale with
 * WEIR_CHAOS=long (`pnpm chaos`); the CI variants are short but take the same paths.
 */
import assert from 'node:assert/strict';
import type { ScoreRecord } from '@weir/contracts';
import { OfflinePipeline, loadScoring, type FinalSession } from '@weir/pipeline';
import type { Bus } from '@weir/stream';
import type { PrivateServers } from './private-servers.js';
import { finalScores, newRun, settled, simulatedEvents, startPipeline, waitFor, type PipelineOptions, type PipelineRun, type ServiceProcess } from '@weir/testing';

export const LONG = process.env.WEIR_CHAOS === 'long';

const NAMES = ['shop', 'news'];
const TRAFFIC = { durationMs: 20 * 60_000, ratePerMinute: 3 };
/** Sessions as the pipeline harness configures the services: 5 min gap, a window lateness longer than the traffic. */
const OFFLINE = { sessionizer: { gapMs: 5 * 60_000 }, window: { allowedLatenessMs: 30 * 60_000 } };

/** One progress line on stderr (the test runner keeps stdout for its report). */
export function progress(test: string, line: string): void {
  process.stderr.write(`[fault ${test}] ${line}\n`);
}

/** A line `pnpm chaos` collects into its summary table. */
export function report(result: Record<string, string | number>): void {
  console.log(`FAULT-RESULT ${JSON.stringify(result)}`);
}

export interface Expected {
  scores: Map<string, { score: number; label: string; requestCount: number }>;
  lines: number;
}

/** The final scores of the offline pipeline on the same events, with the model the score service uses. */
export async function offlineScores(events: Parameters<OfflinePipeline['push']>[0][]): Promise<Map<string, { score: number; label: string; requestCount: number }>> {
  const offline = new OfflinePipeline(OFFLINE);
  const finals: FinalSession[] = [];
  for (const event of events) finals.push(...offline.push(event));
  finals.push(...offline.finish());
  const scoring = await loadScoring({});
  try {
    const scores = scoring.scorer().scoreBatch(finals, scoring.thresholds);
    return new Map(finals.map(({ session }, i) => [session.sessionId, { score: scores[i]!.score, label: scores[i]!.label, requestCount: session.requestCount }]));
  } finally {
    scoring.close();
  }
}

export interface FaultRun {
  pipeline: PipelineRun;
  expected: Expected;
  lines: Map<string, string[]>;
  /** Posts the traffic in chunks, retrying what ingest refuses for now; calls `at` once `fraction` of it is in. */
  postAll(options?: { at?: { fraction: number; run: () => Promise<void> }; chunk?: number; pauseMs?: number }): Promise<number>;
  /** Every line in a closed session and every final score equal to the offline one. */
  verify(accepted: number): Promise<{ sessions: number; largest: number }>;
}

/** Posting rounds of `lines` in chunks of `chunk` (one chunk per customer a round). */
export function postingRounds(lines: Map<string, string[]>, chunk = 250): number {
  return Math.ceil(Math.max(...[...lines.values()].map((l) => l.length)) / chunk);
}

export async function faultRun(bus: Bus, kind: string, options: Omit<PipelineOptions, 'delivery'> & { delivery?: PipelineOptions['delivery'] }): Promise<FaultRun> {
  const pipeline = await startPipeline(bus, newRun(kind), NAMES, { delivery: 'at-least-once', ...options });
  const { events, lines } = simulatedEvents(pipeline.customers, { ...TRAFFIC, seed: `fault-${kind}` });
  const expected: Expected = { scores: await offlineScores(events), lines: events.length };
  assert.ok(expected.scores.size > 50, `enough sessions: ${expected.scores.size}`);
  return {
    pipeline,
    expected,
    lines,
    async postAll({ at, chunk = 250, pauseMs = 100 } = {}) {
      let accepted = 0;
      let fired = !at;
      const total = expected.lines;
      const longest = Math.max(...[...lines.values()].map((l) => l.length));
      let fault: Promise<void> = Promise.resolve();
      for (let start = 0; start < longest; start += chunk) {
        for (const [customer, ours] of lines) {
          const part = ours.slice(start, start + chunk);
          if (part.length === 0) continue;
          accepted += await pipeline.post(customer, part, { untilMs: Date.now() + 300_000, onRetry: (why) => progress(kind, `ingest refused a batch, retrying: ${why.slice(0, 120)}`) });
        }
        if (!fired && at && accepted >= at.fraction * total) {
          fired = true;
          // The fault runs beside the posting, which goes on (and retries) through it. Its failure
          // is awaited below; until then it must not be an unhandled rejection, which would end
          // the test process before its after() hooks stop the services and private servers.
          fault = at.run();
          fault.catch(() => undefined);
        }
        // A steady stream, not a burst: the fault lands mid-stream.
        await new Promise((resolve) => setTimeout(resolve, pauseMs));
      }
      await fault;
      return accepted;
    },
    async verify(accepted) {
      assert.equal(accepted, expected.lines, 'ingest accepted every line');
      await settled(pipeline, accepted);
      const scores = finalScores(pipeline);
      const missing = [...expected.scores.keys()].filter((id) => !scores.has(id));
      const extra = [...scores.keys()].filter((id) => !expected.scores.has(id));
      assert.deepEqual({ missing: missing.slice(0, 5), extra: extra.slice(0, 5) }, { missing: [], extra: [] }, `final scores: ${missing.length} missing, ${extra.length} not offline`);
      let largest = 0;
      const changed: string[] = [];
      for (const [id, score] of scores) {
        const want = expected.scores.get(id)!;
        largest = Math.max(largest, Math.abs(score.score - want.score));
        if (Math.abs(score.score - want.score) > 1e-9 || score.label !== want.label || score.requestCount !== want.requestCount) {
          changed.push(`${id}: ${score.score}/${score.label}/${score.requestCount} vs ${want.score}/${want.label}/${want.requestCount}`);
        }
      }
      assert.deepEqual(changed.slice(0, 5), [], `${changed.length} final scores differ from the offline pipeline's`);
      return { sessions: scores.size, largest };
    },
  };
}

/** Records the stage has taken in (sum of weir_stage_records_in_total), or ingest's accepted lines. */
/** Stops what a fault test started, also after a failure: the pipeline, the test's bus, then the private servers. */
export async function tearDown(started: { servers: PrivateServers | undefined; bus: Bus | undefined; run: FaultRun | undefined }): Promise<void> {
  await started.run?.pipeline.stop().catch(() => undefined);
  await started.bus?.close().catch(() => undefined);
  await started.servers?.close();
}

export async function recordsIn(service: ServiceProcess): Promise<number | null> {
  try {
    const text = await (await fetch(`${await service.adminUrl()}/metrics`, { signal: AbortSignal.timeout(2000) })).text();
    const metric = service.name === 'ingest' ? 'weir_ingest_lines_accepted_total' : 'weir_stage_records_in_total';
    let sum = 0;
    for (const line of text.split('\n')) {
      if (line.startsWith(`${metric}{stage="${service.name}"`) || (service.name === 'ingest' && line.startsWith(metric))) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
    }
    return sum;
  } catch {
    return null;
  }
}

/**
 * Seconds from `since` until each named service takes in records again (its counter moves past
 * where it stood at `since`); fails if one has not within `limitMs`.
 */
export async function recoveryTimes(pipeline: PipelineRun, names: readonly string[], since: number, before: Map<string, number | null>, limitMs: number): Promise<Map<string, number>> {
  const times = new Map<string, number>();
  await waitFor(
    `every stage taking in records again within ${limitMs / 1000} s (${names.join(', ')})`,
    async () => {
      for (const name of names) {
        if (times.has(name)) continue;
        const now = await recordsIn(pipeline.services.get(name)!);
        if (now !== null && now > (before.get(name) ?? 0)) times.set(name, (Date.now() - since) / 1000);
      }
      return times.size === names.length ? true : undefined;
    },
    limitMs,
  ).catch((err: Error) => {
    throw new Error(`${err.message}; not yet: ${names.filter((n) => !times.has(n)).join(', ')}`);
  });
  return times;
}

export async function counters(pipeline: PipelineRun, names: readonly string[]): Promise<Map<string, number | null>> {
  return new Map(await Promise.all(names.map(async (n) => [n, await recordsIn(pipeline.services.get(n)!)] as const)));
}

/** Records in the run's dead-letter topics (`<run>-<stage>.dlq`, `<run>-score-es.dlq`, `<run>.weir.scores.es-dlq`). */
export async function deadLetters(bus: Bus, pipeline: PipelineRun): Promise<Record<string, number>> {
  const topics = (await bus.admin.listTopics()).filter((t) => (t.startsWith(`${pipeline.run}-`) || t.startsWith(`${pipeline.run}.`)) && t.includes('dlq'));
  const counts: Record<string, number> = {};
  for (const topic of topics) counts[topic] = (await bus.admin.fetchTopicOffsets(topic)).reduce((n, o) => n + o.high - o.low, 0);
  return counts;
}

export type { ScoreRecord };

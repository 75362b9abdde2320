/**
 * The whole pipeline for the end-to-end tests: ingest, sessionize, window and score as four
 * processes on the real Kafka, registry and Elasticsearch, under a namespace of their own (topics,
 * groups, index prefix, customers), fed simulated traffic over HTTP.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { SCORES_TOPIC, SESSIONS_TOPIC, logsTopic, type ScoreRecord, type SessionFeatures } from '@weir/contracts';
import { ensurePipelineTopics, namespacedSerde, topicIn } from '@weir/pipeline';
import type { SimulatedSession } from '@weir/simulator';
import { parseDuration, type Bus } from '@weir/stream';
import { deleteTopics, startService, stageStarted, tailTopic, terminate, waitForProgress, type ServiceProcess, type TopicTail } from './services.js';

export const STAGES = ['sessionize', 'window', 'score'] as const;
export type StageName = (typeof STAGES)[number];

export interface PipelineRun {
  run: string;
  customers: string[];
  indexPrefix: string;
  ingestUrl: string;
  services: Map<string, ServiceProcess>;
  /** Starts sessionize, window and score, and waits until each has joined its group. */
  startStages(): Promise<void>;
  /** Starts a stage again (after a kill) with the same settings, but for `overrides`. */
  restart(stage: StageName, overrides?: Record<string, string>): Promise<ServiceProcess>;
  /** Whether the window stage runs without its idle close until `windowIdleFromEnd` (see PipelineOptions). */
  readonly windowIdleDeferred: boolean;
  /**
   * The stages' idle closes in milliseconds (0: off). At the end of the traffic the last sessions
   * and windows close only on them, so nothing moves for that long by design (see `settled`).
   */
  readonly idleMs: { sessionize: number; window: number };
  /** Restarts the window stage (SIGTERM, then start) with its idle close `windowIdle` on. */
  windowIdleFromEnd(): Promise<void>;
  /** Whether sessionize runs without its idle close until `sessionizeIdleFromEnd` (see PipelineOptions). */
  readonly sessionizeIdleDeferred: boolean;
  /** Restarts sessionize (SIGTERM, then start) with its idle close `sessionizeIdle` on. */
  sessionizeIdleFromEnd(): Promise<void>;
  sessions: TopicTail<SessionFeatures>;
  scores: TopicTail<ScoreRecord>;
  /**
   * Posts lines to ingest; with `retry`, answers that say "later" (429, 503, no connection) are
   * retried after their Retry-After, as `weir ingest` does, until `retry.untilMs` passes.
   */
  post(customer: string, lines: string[], retry?: { untilMs: number; onRetry?: (why: string) => void }): Promise<number>;
  stop(): Promise<void>;
}

export interface PipelineOptions {
  delivery: 'at-least-once' | 'exactly-once';
  /** Sessionize's WEIR_CLOSE_IDLE_AFTER (0s: off). */
  sessionizeIdle: string;
  /** The window stage's WEIR_CLOSE_IDLE_AFTER. */
  windowIdle: string;
  /**
   * The window stage starts without an idle close, and gets `windowIdle` only once every accepted
   * line is in a closed session (`settled` restarts it then). An idle close can only tell that its
   * input is quiet, not that it is complete: with sessionize down or rejoining for longer than
   * `windowIdle` (a kill and restart on a saturated CPU), windows were published final mid-stream
   * and the pieces after were not merged.
   */
  deferWindowIdle?: boolean;
  /**
   * Sessionize starts without an idle close, and gets `sessionizeIdle` only once every line is
   * posted (`settled` restarts it then). Traffic posted near its own pace leaves a partition of a
   * log topic without input for longer than a short idle close while its visitors are between two
   * requests: their sessions were closed there and then, and split where the offline pipeline
   * keeps them whole.
   */
  deferSessionizeIdle?: boolean;
  /** Server variables (KAFKA_BROKERS, SCHEMA_REGISTRY_URL, ELASTICSEARCH_URL) over the environment's, e.g. a fault test's private servers. */
  servers?: Record<string, string>;
  /** Variables for every stage service (not ingest). */
  stageEnv?: Record<string, string>;
}

function durationMs(option: string, text: string): number {
  const parsed = parseDuration(text);
  if (!parsed.ok) throw new Error(`pipeline option ${option}=${JSON.stringify(text)}: ${parsed.problem}`);
  return parsed.value;
}

export function newRun(kind: string): string {
  return `${kind}-${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
}

/**
 * Ingest, running, and the rest ready to start. The traffic is a burst: 20 minutes of logs in
 * seconds, so the stages' inputs interleave customers' partitions in whatever order the broker
 * delivers. A window lateness longer than the whole traffic makes each window's final summary
 * independent of that order (no record is ever late), which is what lets a crashed run's final
 * scores be compared with an uninterrupted one's. Idle closes must only fire at the end: one
 * mid-stream (a stall longer than the idle time) splits sessions or closes windows early.
 */
export async function startPipeline(bus: Bus, run: string, names: string[], options: PipelineOptions): Promise<PipelineRun> {
  const customers = names.map((name) => `${run}-${name}`);
  const keys = new Map(customers.map((c) => [c, randomBytes(24).toString('base64url')]));
  const indexPrefix = `weir-e2e-${run}`;
  const servers = options.servers ?? {};
  // A session timeout of 30 s, not 6 s: beside CPU hogs this machine's scheduler left the broker's
  // process without a single CPU tick for up to 26 s at a time (its threads runnable, an
  // ApiVersions request answered after 30 s). Each such stall expired every member of every group
  // at once when the broker woke; with 6 s the stages spent the run rejoining and restoring state,
  // and the e2e tests stalled. A SIGKILLed member's partitions now wait up to 30 s for its expiry.
  const shared = {
    ...servers,
    KAFKA_TOPIC_WATCH_INTERVAL: '1s',
    KAFKA_SESSION_TIMEOUT: '30s',
    ...options.stageEnv,
    // The run's own: its cleanup and isolation depend on them.
    WEIR_TOPIC_NAMESPACE: run,
    WEIR_GROUP_PREFIX: run,
    WEIR_DELIVERY: options.delivery,
  };
  const env: Record<StageName, Record<string, string>> = {
    sessionize: { ...shared, WEIR_LOGS_TOPIC_PATTERN: `^weir\\.logs\\.${run}-.+$`, WEIR_SESSION_GAP: '5m', WEIR_CLOSE_IDLE_AFTER: options.deferSessionizeIdle ? '0s' : options.sessionizeIdle },
    window: { ...shared, WEIR_WINDOW_LATENESS: '30m', WEIR_CLOSE_IDLE_AFTER: options.deferWindowIdle ? '0s' : options.windowIdle },
    score: { ...shared, WEIR_ES_INDEX_PREFIX: indexPrefix, WEIR_ES_REPLICAS: '0', WEIR_ES_FLUSH_INTERVAL: '200ms' },
  };
  await ensurePipelineTopics(bus, { namespace: run });
  // The log topics exist before sessionize starts: one assignment at the start, no rebalance
  // mid-stream each time ingest creates a customer's topic.
  await bus.admin.createTopics(customers.map((c) => ({ topic: logsTopic(c), partitions: 6 })));
  const services = new Map<string, ServiceProcess>();
  services.set('ingest', startService('ingest', { ...servers, HOST: '127.0.0.1', WEIR_INGEST_API_KEYS: customers.map((c) => `${c}:${keys.get(c)}`).join(',') }));
  const ingestUrl = await services.get('ingest')!.url();
  // What the next stage reads: exactly-once stages' consumers see committed transactions only.
  const isolation = options.delivery === 'exactly-once' ? 'read_committed' : 'read_uncommitted';
  const sessions = await tailTopic(bus, topicIn(run, SESSIONS_TOPIC), namespacedSerde<SessionFeatures>(run), isolation);
  const scores = await tailTopic(bus, topicIn(run, SCORES_TOPIC), namespacedSerde<ScoreRecord>(run), isolation);
  const restart = async (stage: StageName, overrides: Record<string, string> = {}): Promise<ServiceProcess> => {
    const service = startService(stage, { ...env[stage], ...overrides });
    services.set(stage, service);
    await stageStarted(service);
    return service;
  };

  return {
    run,
    customers,
    indexPrefix,
    ingestUrl,
    services,
    sessions,
    scores,
    async startStages() {
      for (const stage of STAGES) services.set(stage, startService(stage, env[stage]));
      await Promise.all(STAGES.map((stage) => stageStarted(services.get(stage)!)));
    },
    restart,
    windowIdleDeferred: options.deferWindowIdle === true,
    idleMs: { sessionize: durationMs('sessionizeIdle', options.sessionizeIdle), window: durationMs('windowIdle', options.windowIdle) },
    sessionizeIdleDeferred: options.deferSessionizeIdle === true,
    async sessionizeIdleFromEnd() {
      const sessionize = services.get('sessionize')!;
      await stopForRestart(sessionize);
      await restart('sessionize', { WEIR_CLOSE_IDLE_AFTER: options.sessionizeIdle });
    },
    async windowIdleFromEnd() {
      const window = services.get('window')!;
      await stopForRestart(window);
      await restart('window', { WEIR_CLOSE_IDLE_AFTER: options.windowIdle });
    },
    async post(customer, lines, retry) {
      // One key for the batch and all its resends, as `weir ingest` sends: a 503 on a produce
      // timeout may come after part of the batch landed, and a resend without it wrote those
      // lines twice (a kill loop on a saturated machine counted 9184 lines of 9102 accepted).
      const batchKey = randomBytes(12).toString('base64url');
      const send = () =>
        fetch(`${ingestUrl}/v1/logs?format=combined`, {
          method: 'POST',
          headers: { 'content-type': 'text/plain', authorization: `Bearer ${keys.get(customer)}`, 'idempotency-key': batchKey },
          body: lines.join('\n'),
        });
      let response: Response;
      for (;;) {
        let why: string;
        try {
          response = await send();
          if (!retry || (response.status !== 503 && response.status !== 429)) break;
          why = `${response.status} ${await response.text()}`;
          const after = Number(response.headers.get('retry-after') ?? '1');
          await new Promise((resolve) => setTimeout(resolve, Math.max(0.2, after) * 1000));
        } catch (err) {
          if (!retry) throw err;
          why = String(err);
          await new Promise((resolve) => setTimeout(resolve, 1000));
        }
        retry.onRetry?.(why);
        if (Date.now() > retry.untilMs) throw new Error(`ingest still refuses after retrying: ${why}`);
      }
      const report = (await response.json()) as { accepted: number; rejectedCount: number };
      assert.equal(response.status, 200, JSON.stringify(report));
      assert.equal(report.rejectedCount, 0, JSON.stringify(report));
      return report.accepted;
    },
    async stop() {
      await sessions.stop();
      await scores.stop();
      await Promise.all([...services.values()].map((s) => s.stop(10_000)));
      // Every topic of the run is named after it: its namespace, its groups' dead letters and
      // changelogs (`<run>-<stage>...`), its customers' logs.
      // WEIR_TEST_KEEP_TOPICS=1: left for a post-mortem of what the stages wrote (delete them after).
      if (process.env.WEIR_TEST_KEEP_TOPICS) return;
      const ours = (await bus.admin.listTopics()).filter((t) => t.startsWith(`${run}.`) || t.startsWith(`${run}-`) || t.startsWith(`${logsTopic(run)}-`));
      await deleteTopics(bus, ours);
      const es = servers.ELASTICSEARCH_URL ?? process.env.ELASTICSEARCH_URL;
      if (es) await fetch(`${es}/${indexPrefix}-*`, { method: 'DELETE' }).catch(() => undefined);
    },
  };
}

/**
 * Posts every customer's lines in chunks, round robin. A 503 or 429 is retried as `weir ingest`
 * retries it (with the batch's Idempotency-Key): a broker slow to acknowledge on a busy machine
 * is ingest saying "later", not losing the batch.
 */
export async function postAll(pipeline: PipelineRun, lines: Map<string, string[]>, chunk: number, from = 0, to = Infinity): Promise<number> {
  let accepted = 0;
  const longest = Math.max(...[...lines.values()].map((l) => l.length));
  for (let start = from; start < Math.min(longest, to); start += chunk) {
    for (const [customer, ours] of lines) {
      const part = ours.slice(start, Math.min(start + chunk, to));
      if (part.length > 0) accepted += await pipeline.post(customer, part, { untilMs: Date.now() + 300_000 });
    }
  }
  return accepted;
}

/**
 * Stops a stage to start it again (with its idle close on): gracefully (exit 0), or cut short by
 * its WEIR_SHUTDOWN_TIMEOUT (exit 1, said in its log) when a starved broker held the stop. Neither
 * loses a record, which the run's own checks hold it to (every line in one closed session, a final
 * score per session); the graceful stop itself is asserted where a test stops a stage for good.
 */
async function stopForRestart(service: ServiceProcess): Promise<void> {
  const ended = await terminate(service, 60_000);
  // Its last line may still be in the pipe when the exit is reported.
  if (ended.code === 1) await service.closed;
  const cutShort = ended.code === 1 && service.output().includes('graceful stop not finished within WEIR_SHUTDOWN_TIMEOUT');
  if (!cutShort) assert.deepEqual(ended, { code: 0, signal: null }, `${service.name} exits 0 on SIGTERM`);
}

/** The last close record of each of the run's sessions (at-least-once may write one twice, identically). */
export function closedSessions(pipeline: PipelineRun): Map<string, SessionFeatures> {
  return new Map(pipeline.sessions.records.filter((r) => r.closed).map((r) => [r.sessionId, r]));
}

/** Sessions updated but never closed, with the requests of their last update: what a stall of `settled` left open. */
function unclosedSessions(pipeline: PipelineRun): string {
  const closed = closedSessions(pipeline);
  const open = new Map(pipeline.sessions.records.filter((r) => !r.closed && !closed.has(r.sessionId)).map((r) => [r.sessionId, r]));
  const listed = [...open.values()].slice(0, 10).map((r) => `${r.sessionId} (${r.customer}, ${r.requestCount} requests, last at ${new Date(r.lastTime).toISOString()})`);
  return `${open.size} sessions never closed${listed.length > 0 ? `: ${listed.join(', ')}` : ''}`;
}

/** Each closed session's final score from the primary model. */
export function finalScores(pipeline: PipelineRun): Map<string, ScoreRecord> {
  return new Map(pipeline.scores.records.filter((s) => s.closed && !s.shadow).map((s) => [s.sessionId, s]));
}

/**
 * Waits until every accepted line is in a closed session and every closed session has its final
 * score, for as long as session or score records keep arriving: fails once none has for `stallMs`
 * beyond the idle close the wait is for. The traffic's last sessions close only on sessionize's
 * idle close, and the last windows (so the last final scores) only on the window stage's: no
 * record arrives for that long by design, and a wait that counted it as a stall failed every run
 * whose idle close outlasted `stallMs` (`pnpm chaos`'s registry outage: a 150 s window idle close
 * against a 120 s stall, every line in a closed session and 120 sessions unscored).
 */
export async function settled(pipeline: PipelineRun, accepted: number, stallMs = 120_000): Promise<void> {
  const counted = () => [...closedSessions(pipeline).values()].reduce((n, s) => n + s.requestCount, 0);
  const unscored = () => [...closedSessions(pipeline).keys()].filter((id) => !finalScores(pipeline).has(id));
  const arrived = () => `${pipeline.sessions.records.length} session and ${pipeline.scores.records.length} score records`;
  try {
    // Every line is posted: only from here may sessionize close sessions on idle.
    if (pipeline.sessionizeIdleDeferred) await pipeline.sessionizeIdleFromEnd();
    await waitForProgress(`${accepted} lines in closed sessions`, () => counted() >= accepted, arrived, stallMs + pipeline.idleMs.sessionize);
    // The window stage's input is complete now: only from here may it close windows on idle.
    if (pipeline.windowIdleDeferred) await pipeline.windowIdleFromEnd();
    await waitForProgress('a final score for every closed session', () => unscored().length === 0, arrived, stallMs + pipeline.idleMs.window);
  } catch (err) {
    // What each service last said is what tells a stuck stage from a slow one.
    const logs = [...pipeline.services.values()].map((s) => `--- ${s.name}\n${s.output().split('\n').slice(-15).join('\n')}`);
    throw new Error(`${(err as Error).message}: ${counted()} of ${accepted} lines in closed sessions, ${unscored().length} closed sessions unscored, ${unclosedSessions(pipeline)}\n${logs.join('\n')}`);
  }
  assert.equal(counted(), accepted, 'every accepted line counted in exactly one closed session');
}

/** The run's final (closed, primary) score documents in Elasticsearch, by session id. */
export async function esFinalScores(pipeline: PipelineRun, esUrl: string): Promise<Map<string, { score: number; label: string }>> {
  await fetch(`${esUrl}/${pipeline.indexPrefix}/_refresh`, { method: 'POST' });
  const response = await fetch(`${esUrl}/${pipeline.indexPrefix}/_search`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      size: 10_000,
      _source: ['weir.session_id', 'weir.score', 'weir.label'],
      query: { bool: { filter: [{ terms: { 'weir.customer': pipeline.customers } }, { term: { 'weir.closed': true } }, { term: { 'weir.shadow': false } }] } },
    }),
  });
  if (!response.ok) return new Map();
  const body = (await response.json()) as { hits: { hits: Array<{ _source: { weir: { session_id: string; score: number; label: string } } }> } };
  return new Map(body.hits.hits.map((h) => [h._source.weir.session_id, { score: h._source.weir.score, label: h._source.weir.label }]));
}

/** Precision and recall of "not human" against the simulator's labels, joined by customer, client IP and user agent. */
export function detectionQuality(scores: Iterable<ScoreRecord>, truth: Map<string, SimulatedSession>): { precision: number; recall: number; bots: number; flagged: number } {
  let truePositives = 0;
  let flagged = 0;
  let bots = 0;
  for (const score of scores) {
    const visitor = truth.get(`${score.customer}|${score.clientIp}|${score.userAgent ?? ''}`);
    assert.ok(visitor, `session ${score.sessionId} (${score.clientIp}) is a simulated visitor`);
    const isBot = visitor.label !== 'human';
    if (isBot) bots++;
    if (score.label !== 'human') {
      flagged++;
      if (isBot) truePositives++;
    }
  }
  return { precision: flagged === 0 ? 0 : truePositives / flagged, recall: bots === 0 ? 0 : truePositives / bots, bots, flagged };
}

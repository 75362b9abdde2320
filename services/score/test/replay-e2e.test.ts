/**
 * `weir replay` against the live pipeline on the real servers: simulated traffic through ingest
 * and the four services (the live run), then a replay of a middle slice of its event times into
 * a namespace and an index of its own. The replay's final scores are the live run's for exactly
 * the sessions that ended in the slice, in Kafka and in Elasticsearch; the live topics and consumer
 * groups are as they were.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, test } from 'node:test';
import { SCORES_TOPIC, SESSIONS_TOPIC, WINDOWS_TOPIC, type ScoreRecord, type SessionFeatures, type WindowSummary } from '@weir/contracts';
import { topicIn } from '@weir/pipeline';
import type { Bus } from '@weir/stream';
import { REPO_ROOT, deleteTopics, kafkaBus, requireServers, simulatedEvents, tailTopic, waitFor } from '@weir/testing';
import { STAGES, finalScores, newRun, postAll, settled, startPipeline, type PipelineRun } from '@weir/testing';
import { scoreTopicsSerde } from '../src/topics.js';

const TRAFFIC = { durationMs: 20 * 60_000, ratePerMinute: 3, seed: 'replay-e2e' };
const MINUTE = 60_000;

let bus: Bus | undefined;
let pipeline: PipelineRun | undefined;
const cleanup: Array<() => Promise<void>> = [];

after(async () => {
  for (const step of cleanup.reverse()) await step().catch(() => undefined);
  await pipeline?.stop();
  await bus?.close();
});

interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

function weir(args: string[], env: Record<string, string>): Promise<Finished> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'shared/cli/src/main.ts', ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, WEIR_BUS: 'kafka', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}

async function committed(groups: string[], topics: string[]): Promise<string> {
  const all = await Promise.all(groups.map(async (g) => (await bus!.admin.fetchCommittedOffsets(g, topics)).map((o) => `${g} ${o.topic}:${o.partition}=${o.offset}`)));
  return all.flat().sort().join('\n');
}

test('weir replay of a slice of the live traffic gives the live final scores, into its own topics and index', { timeout: 420_000 }, async () => {
  requireServers('ELASTICSEARCH_URL');
  const es = process.env.ELASTICSEARCH_URL!;
  bus = await kafkaBus();
  pipeline = await startPipeline(bus, newRun('replay'), ['shop', 'news'], { delivery: 'at-least-once', sessionizeIdle: '5s', windowIdle: '15s' });
  const { events, lines } = simulatedEvents(pipeline.customers, TRAFFIC);
  const accepted = await postAll(pipeline, lines, 1000);
  await pipeline.startStages();
  await settled(pipeline, accepted);
  const live = finalScores(pipeline);

  // The middle ten minutes: sessions end on both sides of each edge.
  const first = Math.min(...events.map((e) => e.eventTime));
  const from = Math.ceil((first + 5 * MINUTE) / MINUTE) * MINUTE;
  const to = from + 10 * MINUTE;
  const expected = new Map([...live].filter(([, s]) => s.lastTime >= from && s.lastTime < to));
  assert.ok(expected.size > 30, `enough live sessions end in the slice: ${expected.size}`);
  assert.ok([...live.values()].some((s) => s.firstTime < from && s.lastTime >= from), 'a live session straddles --from');
  assert.ok([...live.values()].some((s) => s.lastTime >= to), 'live sessions end after --to');

  const liveGroups = STAGES.map((stage) => `${pipeline!.run}-${stage}`).concat(`${pipeline.run}-score-es`);
  const liveTopics = [...pipeline.customers.map((c) => `weir.logs.${c}`), ...[SESSIONS_TOPIC, SCORES_TOPIC].map((t) => topicIn(pipeline!.run, t))];
  // The live Elasticsearch copy trails the scores topic: the live side is quiet once it has caught up.
  await waitFor('the live Elasticsearch copy to catch up', async () => {
    const scores = topicIn(pipeline!.run, SCORES_TOPIC);
    const copied = new Map((await bus!.admin.fetchCommittedOffsets(`${pipeline!.run}-score-es`, [scores])).map((o) => [o.partition, o.offset]));
    return (await bus!.admin.fetchTopicOffsets(scores)).every((p) => p.high === 0 || copied.get(p.partition) === p.high) || undefined;
  }, 60_000);
  const groupsBefore = await committed(liveGroups, liveTopics);
  const liveEnds = async () => JSON.stringify(await Promise.all([SESSIONS_TOPIC, WINDOWS_TOPIC, SCORES_TOPIC].map((t) => bus!.admin.fetchTopicOffsets(topicIn(pipeline!.run, t)))));
  const endsBefore = await liveEnds();

  const namespace = `${pipeline.run}-replay`;
  const indexPrefix = `${pipeline.indexPrefix}-replay`;
  cleanup.push(() => deleteTopics(bus!, [SESSIONS_TOPIC, WINDOWS_TOPIC, SCORES_TOPIC].map((t) => topicIn(namespace, t))));
  cleanup.push(async () => void (await fetch(`${es}/${indexPrefix}-*`, { method: 'DELETE' })));
  const result = await weir(
    [
      'replay', '--from', new Date(from).toISOString(), '--to', String(to), '--customers', pipeline.customers.join(','),
      '--namespace', namespace, '--es-index-prefix', indexPrefix,
      // The simulated traffic is dated 2025 and was ingested today.
      '--ingest-lag', '10000d',
    ],
    // The live stages' settings (e2e-harness), as a deployment's replay Job takes them from the same ConfigMap.
    { WEIR_SESSION_GAP: '5m', WEIR_WINDOW_LATENESS: '30m', WEIR_ES_REPLICAS: '0', WEIR_ES_INDEX_PREFIX: pipeline.indexPrefix },
  );
  assert.equal(result.code, 0, result.stderr);
  const lastLine = result.stdout.trimEnd().split('\n').pop()!;
  const summary = JSON.parse(lastLine) as { events: number; sessions: number; scores: number; seconds: number; windows: number };
  assert.deepEqual(Object.keys(summary).slice(0, 4), ['events', 'sessions', 'scores', 'seconds']);
  assert.equal(summary.events, accepted, 'every retained event of the two customers was read (warm-up and cool-down cover the whole traffic)');
  assert.equal(summary.sessions, expected.size);
  assert.equal(summary.scores, expected.size);
  assert.ok(summary.windows > 0 && summary.windows <= 2 * 10, `final windows starting in the slice: ${summary.windows}`);
  for (const customer of pipeline.customers) {
    assert.match(result.stderr, new RegExp(`weir\\.logs\\.${customer}\\[\\d\\] [\\d,]+/[\\d,]+ records, [\\d,]+ events/s, (ETA \\d+ s|done)`), `progress per partition of ${customer}`);
  }
  console.log(`replay: ${JSON.stringify(summary)} (${Math.round(summary.events / summary.seconds)} events/s)`);

  // The replay's own topics hold exactly the slice's final scores, equal to the live ones.
  const scores = await tailTopic(bus, topicIn(namespace, SCORES_TOPIC), scoreTopicsSerde<ScoreRecord>(namespace));
  const sessions = await tailTopic(bus, topicIn(namespace, SESSIONS_TOPIC), scoreTopicsSerde<SessionFeatures>(namespace));
  const windows = await tailTopic(bus, topicIn(namespace, WINDOWS_TOPIC), scoreTopicsSerde<WindowSummary>(namespace));
  cleanup.push(() => scores.stop(), () => sessions.stop(), () => windows.stop());
  await waitFor('the replay\'s records', () => scores.records.length >= expected.size && sessions.records.length >= expected.size && windows.records.length >= summary.windows, 60_000);
  const replayed = new Map(scores.records.map((s) => [s.sessionId, s]));
  assert.deepEqual([...replayed.keys()].sort(), [...expected.keys()].sort(), 'the same sessions, by id');
  let largest = 0;
  for (const [id, score] of replayed) {
    const want = expected.get(id)!;
    largest = Math.max(largest, Math.abs(score.score - want.score));
    assert.ok(Math.abs(score.score - want.score) <= 1e-9, `session ${id}: replay ${score.score} vs live ${want.score}`);
    assert.equal(score.label, want.label, `session ${id}: label`);
    assert.equal(score.windowStart, want.windowStart, `session ${id}: scored against the same window`);
    assert.equal(score.requestCount, want.requestCount, `session ${id}: request count`);
    assert.equal(score.modelVersion, want.modelVersion);
  }
  console.log(`replay: ${replayed.size} final scores equal the live run's (largest difference ${largest})`);
  assert.ok(sessions.records.every((s) => s.closed && expected.has(s.sessionId)), 'the sessions topic holds the slice\'s closed sessions');
  assert.ok(windows.records.every((w) => w.closed && w.windowStart >= from && w.windowStart < to), 'the windows topic holds final windows of the slice');

  // ...and its own index.
  await fetch(`${es}/${indexPrefix}/_refresh`, { method: 'POST' });
  const search = await fetch(`${es}/${indexPrefix}/_search`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ size: 10_000, _source: ['weir.session_id', 'weir.score'] }),
  });
  assert.equal(search.status, 200);
  const hits = ((await search.json()) as { hits: { hits: Array<{ _source: { weir: { session_id: string; score: number } } }> } }).hits.hits;
  assert.equal(hits.length, expected.size, 'one document per replayed session in the replay index');
  for (const hit of hits) assert.equal(hit._source.weir.score, replayed.get(hit._source.weir.session_id)!.score);

  // Nothing live was touched.
  assert.equal(await committed(liveGroups, liveTopics), groupsBefore, 'live consumer groups\' offsets unchanged');
  assert.equal(await liveEnds(), endsBefore, 'nothing written to the live topics');
});

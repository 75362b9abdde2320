/**
 * End to end on the real servers: simulated traffic for three customers posted over HTTP to
 * ingest → sessions → windows → scores, in Kafka and in Elasticsearch. Every accepted line is
 * accounted for, precision and recall against the simulator's labels are printed. Then the same
 * traffic again with sessionize and score killed (SIGKILL) in the middle and restarted: the final
 * scores equal the uninterrupted run's.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import type { ScoreRecord } from '@weir/contracts';
import type { SimulatedSession } from '@weir/simulator';
import type { Bus } from '@weir/stream';
import { kafkaBus, requireServers, simulatedEvents, waitFor } from '../../sessionize/test/harness.js';
import { closedSessions, detectionQuality, esFinalScores, finalScores, newRun, postAll, settled, startPipeline, type PipelineRun } from './e2e-harness.js';

const NAMES = ['shop', 'news', 'bank'];
const TRAFFIC = { durationMs: 20 * 60_000, ratePerMinute: 3, seed: 'e2e-pipeline' };
const CHUNK = 1000;

let bus: Bus | undefined;
const runs: PipelineRun[] = [];
/** The uninterrupted run's final scores by `name|session key|first time`, for the crash run to match. */
let reference: Map<string, ScoreRecord> | undefined;

after(async () => {
  for (const run of runs) await run.stop();
  await bus?.close();
});

/** A session across runs: customer names differ by run, the traffic does not. */
function identity(score: ScoreRecord, run: PipelineRun): string {
  return `${score.customer.slice(run.run.length + 1)}|${score.sessionKey}|${score.firstTime}`;
}

/** What both runs check: lines accounted for, a final score per closed session, the same in Elasticsearch. */
async function checkRun(pipeline: PipelineRun, accepted: number, truth: Map<string, SimulatedSession>, started: number): Promise<Map<string, ScoreRecord>> {
  const es = process.env.ELASTICSEARCH_URL!;
  await settled(pipeline, accepted, 150_000);
  const closed = closedSessions(pipeline);
  const scores = finalScores(pipeline);
  for (const service of pipeline.services.values()) assert.doesNotMatch(service.output(), /too late to place/, `${service.name}: no late events`);
  const documents = await waitFor('every final score in Elasticsearch', async () => {
    const found = await esFinalScores(pipeline, es);
    return [...closed.keys()].every((id) => found.get(id)?.score === scores.get(id)!.score) ? found : undefined;
  }, 60_000);
  const { precision, recall, bots, flagged } = detectionQuality(scores.values(), truth);
  console.log(
    `e2e ${pipeline.run}: ${accepted} lines → ${closed.size} closed sessions → ${scores.size} final scores in Kafka, ${documents.size} in Elasticsearch; ` +
      `${flagged} flagged, ${bots} bot sessions: precision ${precision.toFixed(3)}, recall ${recall.toFixed(3)}; ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  return new Map([...scores.values()].map((s) => [identity(s, pipeline), s]));
}

test('simulated traffic posted to ingest ends as scores in Kafka and Elasticsearch, every line accounted for', { timeout: 240_000 }, async () => {
  requireServers('ELASTICSEARCH_URL');
  const started = Date.now();
  bus = await kafkaBus();
  const pipeline = await startPipeline(bus, newRun('e2e'), NAMES, { windowIdle: '3s', delivery: 'at-least-once' });
  runs.push(pipeline);
  const { lines, sessions: truth } = simulatedEvents(pipeline.customers, TRAFFIC);
  const accepted = await postAll(pipeline, lines, CHUNK);
  assert.equal(accepted, [...lines.values()].reduce((n, l) => n + l.length, 0), 'ingest accepted every line');
  reference = await checkRun(pipeline, accepted, truth, started);
  assert.ok(reference.size > 100, `enough sessions: ${reference.size}`);
});

test('SIGKILL of sessionize and score mid-run, restart: the final scores equal the uninterrupted run\'s', { timeout: 240_000 }, async () => {
  const uninterrupted = reference;
  assert.ok(uninterrupted, 'the uninterrupted run passed');
  const started = Date.now();
  // Windows close at the end only, well after the restarts: an idle close while sessionize is
  // down would close them early and change their baselines (that is what it is for in production).
  // Exactly-once: an at-least-once sessionize replays its uncommitted session records after the
  // kill, and the window baseline counts a replayed close a second time (WindowBaseline forgets a
  // session once it has closed, so it cannot tell the replay from a new record).
  const pipeline = await startPipeline(bus!, newRun('e2ecrash'), NAMES, { windowIdle: '30s', delivery: 'exactly-once' });
  runs.push(pipeline);
  const { lines, sessions: truth } = simulatedEvents(pipeline.customers, TRAFFIC);
  const half = Math.ceil(Math.max(...[...lines.values()].map((l) => l.length)) / 2 / CHUNK) * CHUNK;
  let accepted = await postAll(pipeline, lines, CHUNK, 0, half);

  // Mid-stream: sessionize and score have both written something, and sessions are closing.
  await waitFor('scores mid-run', () => pipeline.scores.records.length >= 50 && closedSessions(pipeline).size >= 5, 90_000);
  for (const stage of ['sessionize', 'score'] as const) pipeline.services.get(stage)!.child.kill('SIGKILL');
  await Promise.all(['sessionize', 'score'].map((stage) => pipeline.services.get(stage)!.exited));
  const atKill = { sessions: pipeline.sessions.records.length, scores: pipeline.scores.records.length };
  accepted += await postAll(pipeline, lines, CHUNK, half);
  await Promise.all([pipeline.restart('sessionize'), pipeline.restart('score')]);
  console.log(`e2e crash: killed sessionize and score after ${atKill.sessions} session records and ${atKill.scores} scores`);

  const crashed = await checkRun(pipeline, accepted, truth, started);
  assert.deepEqual([...crashed.keys()].sort(), [...uninterrupted.keys()].sort(), 'the same sessions closed');
  let largest = 0;
  for (const [id, score] of crashed) {
    const expected: ScoreRecord = uninterrupted.get(id)!;
    largest = Math.max(largest, Math.abs(score.score - expected.score));
    assert.ok(Math.abs(score.score - expected.score) <= 1e-9, `session ${id}: ${score.score} vs ${expected.score} uninterrupted`);
    assert.equal(score.label, expected.label, `session ${id}: label`);
    assert.equal(score.requestCount, expected.requestCount, `session ${id}: request count`);
  }
  const records = pipeline.sessions.records;
  const replayed = records.length - new Set(records.map((r) => `${r.sessionId}|${r.requestCount}|${r.closed}`)).size;
  assert.equal(replayed, 0, 'exactly-once: no session record written twice');
  console.log(`e2e crash: ${crashed.size} final scores equal the uninterrupted run's (largest difference ${largest})`);
});

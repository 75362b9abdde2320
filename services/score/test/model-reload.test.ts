/**
 * The score service (a child process on the real broker) hot-reloads the model in WEIR_MODEL_DIR:
 * a new version is swapped in without a restart; a version trained on other feature code is
 * refused — a log line saying why, a counter — and the version already serving goes on scoring.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { SCORES_TOPIC, SESSIONS_TOPIC, WINDOWS_TOPIC, type ScoreRecord, type SessionFeatures } from '@weir/contracts';
import { featureSetFingerprint } from '@weir/features';
import { saveModelPipeline, untrainedPipeline } from '@weir/model';
import { MODEL_INPUT_NAMES, finalSessions, ensurePipelineTopics, topicIn } from '@weir/pipeline';
import { changelogTopicName, deadLetterTopicName, type Bus } from '@weir/stream';
import { deleteTopics, kafkaBus, requireServers, simulatedEvents, stageStarted, startService, terminate, tailTopic, waitFor, type ServiceProcess } from '@weir/testing';
import { scoreTopicsSerde } from '../src/topics.js';

const run = `model-${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
const dir = mkdtempSync(join(tmpdir(), 'weir-model-reload-'));
let bus: Bus | undefined;
let service: ServiceProcess | undefined;

after(async () => {
  await service?.stop(5000);
  if (bus) {
    const group = `${run}-score`;
    await deleteTopics(bus, [...[SESSIONS_TOPIC, WINDOWS_TOPIC, SCORES_TOPIC].map((t) => topicIn(run, t)), changelogTopicName(group, 'waiting'), deadLetterTopicName(group)]);
    await bus.close();
  }
  rmSync(dir, { recursive: true, force: true });
});

/** Saves an untrained pipeline (its scores mean nothing; its version and fingerprint are what matter here). */
async function saveModel(name: string, seed: number, fingerprint = featureSetFingerprint): Promise<string> {
  const pipeline = await untrainedPipeline({ names: MODEL_INPUT_NAMES, fingerprint, seed });
  await saveModelPipeline(pipeline, join(dir, name));
  const { version } = pipeline;
  pipeline.dispose();
  return version;
}

test('a new model is swapped in; one with another feature fingerprint is refused and the old one keeps serving', { timeout: 150_000 }, async () => {
  requireServers();
  bus = await kafkaBus();
  const v1 = await saveModel('v1', 1);
  await ensurePipelineTopics(bus, { namespace: run });
  service = startService('score', { WEIR_MODEL_DIR: dir, WEIR_MODEL_POLL: '200ms', WEIR_TOPIC_NAMESPACE: run, WEIR_GROUP_PREFIX: run, ELASTICSEARCH_URL: '' });
  const url = await service.url();
  await stageStarted(service);
  const metrics = async () => (await fetch(`${url}/metrics`)).text();
  const serving = (version: string) => new RegExp(`weir_model_info\\{slot="primary",version="${version}"\\} 1`);
  assert.match(await metrics(), serving(v1));

  const v2 = await saveModel('v2', 2);
  assert.notEqual(v2, v1);
  await waitFor('v2 to be swapped in', async () => serving(v2).test(await metrics()), 30_000);
  assert.match(await metrics(), /weir_model_reloads_total\{slot="primary"\} 1/);
  assert.doesNotMatch(await metrics(), serving(v1), 'one version serving per slot');

  const foreign = await saveModel('v3-other-features', 3, 'some-other-feature-code');
  await waitFor('the foreign model to be refused', async () => /weir_model_refusals_total\{slot="primary"\} 1/.test(await metrics()), 30_000);
  const refusal = service
    .output()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { msg: string; level: number; code?: string })
    .find((line) => line.msg.startsWith('model refused'));
  assert.ok(refusal, 'a log line says the model was refused');
  assert.equal(refusal.code, 'WEIR_MODEL_REFUSED');
  assert.match(refusal.msg, new RegExp(`${v2} keeps serving`));
  assert.match(refusal.msg, new RegExp(`model ${foreign} .*trained on feature set "some-other-feature-code"`));
  assert.match(await metrics(), serving(v2));

  // The old model still scores: an open session's update is scored at once, with v2.
  // Enough traffic that every seed makes a session (at 2 a minute about one seed in a hundred made none).
  const session = [...finalSessions(simulatedEvents([`${run}-c`], { durationMs: 2 * 60_000, ratePerMinute: 30, seed: run }).events)][0]!.session;
  const serde = scoreTopicsSerde<SessionFeatures>(run);
  const producer = await bus.producer();
  const sessions = topicIn(run, SESSIONS_TOPIC);
  await producer.send([{ topic: sessions, key: session.sessionId, value: await serde.encode(sessions, { ...session, closed: false }) }]);
  await producer.close();
  const scores = await tailTopic(bus, topicIn(run, SCORES_TOPIC), scoreTopicsSerde<ScoreRecord>(run));
  try {
    const score = await waitFor('the update to be scored', () => scores.records.find((s) => s.sessionId === session.sessionId), 30_000);
    assert.equal(score.modelVersion, v2);
    assert.equal(score.shadow, false);
    assert.ok(score.score >= 0 && score.score <= 1);
  } finally {
    await scores.stop();
  }

  // SIGTERM: the stage finishes and commits, the model store stops polling, the process exits by itself.
  assert.deepEqual(await terminate(service), { code: 0, signal: null }, service.output().slice(-3000));
});

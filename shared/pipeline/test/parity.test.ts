/**
 * One code path offline and online: the same simulated log through the offline pass and through
 * the streaming sessionize, window and score stages on the embedded bus (with small batches, so
 * batching and checkpoints are exercised) gives identical session records and final scores.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  SCORES_TOPIC,
  SESSIONS_TOPIC,
  createSerde,
  logsTopic,
  type RequestEvent,
  type ScoreRecord,
  type SessionFeatures,
} from '@weir/contracts';
import { featureSetFingerprint, sessionKeyer } from '@weir/features';
import { untrainedPipeline } from '@weir/model';
import { customerLogFormats, resolveOptions } from '@weir/simulator';
import { createEmbeddedBus } from '@weir/stream';
import { parsedEvents, waitForProgress } from '@weir/testing';
import { BaselineScorer, MODEL_INPUT_NAMES, ModelScorer, OfflinePipeline, runScore, runSessionize, runWindow, type FinalSession } from '../src/index.js';

function simulatedEvents(): RequestEvent[] {
  // Mixed formats: the second customer's log records no referrer and no byte count, so the fields
  // it does not log (RequestEvent.unlogged) cross the bus too.
  const options = resolveOptions({ customers: 2, durationMs: 50 * 60_000, seed: 'parity', ratePerMinute: 6, logFormats: 'mixed' });
  const formats = customerLogFormats(options);
  assert.deepEqual(Object.values(formats).map((f) => f === 'combined'), [true, false]);
  return parsedEvents(options, { formats });
}

test('offline and streaming give identical sessions and final scores', { timeout: 900_000 }, async () => {
  const events = simulatedEvents();
  const scorer = new BaselineScorer();
  const thresholds = () => ({ suspicious: 0.5, bot: 0.8 });

  const offline = new OfflinePipeline();
  const finals: FinalSession[] = [];
  for (const event of events) finals.push(...offline.push(event));
  finals.push(...offline.finish());
  const offlineScores = scorer.scoreBatch(finals, thresholds);
  // A TF.js model too, in the shadow slot of the streaming run: the same model code online and offline.
  const pipeline = await untrainedPipeline({ names: MODEL_INPUT_NAMES, fingerprint: featureSetFingerprint, seed: 7 });
  const model = new ModelScorer(() => pipeline);
  const offlineModelScores = model.scoreBatch(finals, thresholds);
  assert.ok(finals.length > 100, `enough sessions to compare (${finals.length})`);
  const unloggedShare = finals.filter((f) => f.session.features.referrer_logged === 0 && f.session.features.bytes_logged === 0).length / finals.length;
  assert.ok(unloggedShare > 0.2 && unloggedShare < 0.8, `sessions of both layouts (${unloggedShare} without referrer and bytes)`);

  const bus = createEmbeddedBus();
  const registry = {};
  const abort = new AbortController();
  const serde = createSerde<RequestEvent>(registry);
  const producer = await bus.producer();
  const keyOf = sessionKeyer('ip_ua');
  // One partition per customer topic: the offline pass reads each customer's events in one order.
  for (const customer of new Set(events.map((e) => e.customer))) await bus.admin.createTopics([{ topic: logsTopic(customer), partitions: 1 }]);
  for (let i = 0; i < events.length; i += 1000) {
    const chunk = events.slice(i, i + 1000);
    await producer.send(await Promise.all(chunk.map(async (e) => ({ topic: logsTopic(e.customer), key: keyOf(e), value: await serde.encode(logsTopic(e.customer), e) }))));
  }

  const common = { bus, registry, signal: abort.signal, handleSignals: false, partitions: 3, tickIntervalMs: 200, batch: { maxRecords: 37 } };
  const running = [
    runSessionize({ ...common, stage: { closeIdleAfterMs: 1000 } }),
    runWindow({ ...common, stage: { closeIdleAfterMs: 1000 } }),
    runScore({ ...common, stage: { scorer: () => scorer, shadow: () => model, thresholds } }),
  ];

  const closedSessions = new Map<string, SessionFeatures>();
  const finalScores = new Map<string, ScoreRecord>();
  const finalModelScores = new Map<string, ScoreRecord>();
  const sessionSerde = createSerde<SessionFeatures>(registry);
  const scoreSerde = createSerde<ScoreRecord>(registry);
  const reader = bus.consumer({ groupId: 'parity-reader' });
  await reader.subscribe([SESSIONS_TOPIC, SCORES_TOPIC]);
  await reader.run(async (batch) => {
    for (const message of batch.messages) {
      read++;
      if (batch.topic === SESSIONS_TOPIC) {
        const session = await sessionSerde.decode(batch.topic, message.value!);
        if (session.closed) closedSessions.set(session.sessionId, session);
      } else {
        const score = await scoreSerde.decode(batch.topic, message.value!);
        if (score.closed) (score.shadow ? finalModelScores : finalScores).set(score.sessionId, score);
      }
    }
  });
  // Stall-based: on a saturated machine the stages are only slow, and fail this wait only when no
  // record has reached the reader for a minute (the stages tick every 200 ms and close idle
  // partitions after 1 s, so a minute without output is a stage that stopped).
  let read = 0;
  const progress = () => `${read} records read, ${closedSessions.size} closed sessions, ${finalScores.size}/${finalModelScores.size} final scores`;
  const waited = await waitForProgress(
    `${finals.length} final scores from both scorers`,
    () => finalScores.size >= finals.length && finalModelScores.size >= finals.length,
    progress,
    60_000,
  ).then(
    () => undefined,
    (error: unknown) => error,
  );
  abort.abort();
  await Promise.all(running);
  await reader.stop();
  await bus.close();
  if (waited !== undefined) throw waited;

  assert.equal(closedSessions.size, finals.length, 'every offline session closed in the stream too');
  for (const { session } of finals) assert.deepEqual(closedSessions.get(session.sessionId), session, `session ${session.sessionId} is identical`);
  assert.equal(finalScores.size, finals.length, 'every closed session got its final score');
  finals.forEach(({ session, baseline }, i) => {
    const streamed = finalScores.get(session.sessionId)!;
    assert.equal(streamed.windowStart, baseline?.windowStart ?? null, `session ${session.sessionId} met the same window`);
    assert.ok(Math.abs(streamed.score - offlineScores[i]!.score) <= 1e-9, `score of ${session.sessionId}: ${streamed.score} vs ${offlineScores[i]!.score}`);
    assert.equal(streamed.label, offlineScores[i]!.label);
    const streamedModel = finalModelScores.get(session.sessionId)!;
    assert.equal(streamedModel.modelVersion, pipeline.version);
    assert.ok(Math.abs(streamedModel.score - offlineModelScores[i]!.score) <= 1e-6, `model score of ${session.sessionId}`);
    assert.deepEqual(streamedModel.reasons.map((r) => r.feature), offlineModelScores[i]!.reasons.map((r) => r.feature));
  });
});

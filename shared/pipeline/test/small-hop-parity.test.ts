/**
 * With windows far shorter than a session's inactivity gap, a closed session's final window is
 * hundreds of windows behind the newest by the time its close arrives. The score stage's window
 * table must still hold it (retention follows event time, not a window count): streaming and
 * offline scores agree, and every closed session met its window.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SCORES_TOPIC, createSerde, logsTopic, type RequestEvent, type ScoreRecord } from '@weir/contracts';
import { sessionKeyer, type WindowBaselineConfig } from '@weir/features';
import { createEmbeddedBus } from '@weir/stream';
import { parsedEvents } from '@weir/testing';
import { BaselineScorer, OfflinePipeline, runScore, runSessionize, runWindow, type FinalSession } from '../src/index.js';

const window: WindowBaselineConfig = { sizeMs: 5_000, hopMs: 5_000 };

test('windows of 5 s: streaming and offline final scores agree', { timeout: 240_000 }, async () => {
  const events = parsedEvents({ customers: 1, durationMs: 45 * 60_000, seed: 'small-hop', ratePerMinute: 12 });
  const scorer = new BaselineScorer();
  const thresholds = () => ({ suspicious: 0.5, bot: 0.8 });
  const offline = new OfflinePipeline({ window });
  const finals: FinalSession[] = [];
  for (const event of events) finals.push(...offline.push(event));
  finals.push(...offline.finish());
  const offlineScores = scorer.scoreBatch(finals, thresholds);
  assert.ok(finals.length > 50, `enough sessions (${finals.length})`);

  const bus = createEmbeddedBus();
  const registry = {};
  const abort = new AbortController();
  const serde = createSerde<RequestEvent>(registry);
  const producer = await bus.producer();
  const keyOf = sessionKeyer('ip_ua');
  for (const customer of new Set(events.map((e) => e.customer))) await bus.admin.createTopics([{ topic: logsTopic(customer), partitions: 1 }]);
  for (let i = 0; i < events.length; i += 1000) {
    const chunk = events.slice(i, i + 1000);
    await producer.send(await Promise.all(chunk.map(async (e) => ({ topic: logsTopic(e.customer), key: keyOf(e), value: await serde.encode(logsTopic(e.customer), e) }))));
  }

  const common = { bus, registry, signal: abort.signal, handleSignals: false, partitions: 1, tickIntervalMs: 200, batch: { maxRecords: 100 } };
  const running = [
    runSessionize({ ...common, stage: { closeIdleAfterMs: 1000 } }),
    runWindow({ ...common, stage: { closeIdleAfterMs: 1000, window } }),
    runScore({ ...common, stage: { scorer: () => scorer, thresholds } }),
  ];
  const finalScores = new Map<string, ScoreRecord>();
  const scoreSerde = createSerde<ScoreRecord>(registry);
  const reader = bus.consumer({ groupId: 'small-hop-reader' });
  await reader.subscribe([SCORES_TOPIC]);
  await reader.run(async (batch) => {
    for (const message of batch.messages) {
      const score = await scoreSerde.decode(batch.topic, message.value!);
      if (score.closed) finalScores.set(score.sessionId, score);
    }
  });
  const deadline = Date.now() + 180_000;
  while (finalScores.size < finals.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
  abort.abort();
  await Promise.all(running);
  await reader.stop();
  await bus.close();

  assert.equal(finalScores.size, finals.length, 'every closed session got its final score');
  finals.forEach(({ session, baseline }, i) => {
    const streamed = finalScores.get(session.sessionId)!;
    assert.notEqual(baseline, null, `offline, session ${session.sessionId} met a window`);
    assert.equal(streamed.windowStart, baseline!.windowStart, `session ${session.sessionId} met the same window`);
    assert.ok(Math.abs(streamed.score - offlineScores[i]!.score) <= 1e-9, `score of ${session.sessionId}: ${streamed.score} vs ${offlineScores[i]!.score}`);
  });
});

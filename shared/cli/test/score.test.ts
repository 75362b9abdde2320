/**
 * `weir score` without --model scores with the shipped model, and gives, session for session,
 * the final scores the streaming sessionize → window → score stages publish for the same log.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSerde, logsTopic, SCORES_TOPIC, type RequestEvent, type ScoreRecord } from '@weir/contracts';
import { featureSetFingerprint, sessionKeyer } from '@weir/features';
import { parserFor } from '@weir/logs';
import { loadModelPipeline } from '@weir/model';
import { DEFAULT_MODEL_DIR, ModelScorer, runScore, runSessionize, runWindow } from '@weir/pipeline';
import { writeSimulation } from '@weir/simulator';
import { createEmbeddedBus } from '@weir/stream';
import { command as score } from '../src/commands/score.js';
import { runCommand } from './run-command.js';

async function streamedFinalScores(customer: string, lines: string[]): Promise<Map<string, ScoreRecord>> {
  const pipeline = await loadModelPipeline(DEFAULT_MODEL_DIR, { fingerprint: featureSetFingerprint });
  const scorer = new ModelScorer(() => pipeline);
  const parser = parserFor('combined', { customer });
  const events = lines.map((line, i) => {
    const result = parser.parseLine(line, i + 1);
    assert.ok(result?.ok, `line ${i + 1} parses`);
    return result.event;
  });

  const bus = createEmbeddedBus();
  const registry = {};
  const abort = new AbortController();
  const serde = createSerde<RequestEvent>(registry);
  const keyOf = sessionKeyer('ip_ua');
  await bus.admin.createTopics([{ topic: logsTopic(customer), partitions: 1 }]);
  const producer = await bus.producer();
  for (let i = 0; i < events.length; i += 1000) {
    const chunk = events.slice(i, i + 1000);
    await producer.send(await Promise.all(chunk.map(async (e) => ({ topic: logsTopic(customer), key: keyOf(e), value: await serde.encode(logsTopic(customer), e) }))));
  }
  const common = { bus, registry, signal: abort.signal, handleSignals: false, partitions: 3, tickIntervalMs: 200, batch: { maxRecords: 101 } };
  const running = [
    runSessionize({ ...common, stage: { closeIdleAfterMs: 1000 } }),
    runWindow({ ...common, stage: { closeIdleAfterMs: 1000 } }),
    runScore({ ...common, stage: { scorer: () => scorer, thresholds: () => pipeline.thresholds } }),
  ];
  const finals = new Map<string, ScoreRecord>();
  const scoreSerde = createSerde<ScoreRecord>(registry);
  const reader = bus.consumer({ groupId: 'score-parity-reader' });
  await reader.subscribe([SCORES_TOPIC]);
  await reader.run(async (batch) => {
    for (const message of batch.messages) {
      const record = await scoreSerde.decode(batch.topic, message.value!);
      if (record.closed) finals.set(record.sessionId, record);
    }
  });
  // Idle closes end the stream's sessions and windows as the end of the file ends the offline ones.
  let size = -1;
  for (let stable = 0; stable < 12; ) {
    await new Promise((r) => setTimeout(r, 500));
    stable = finals.size > 0 && finals.size === size ? stable + 1 : 0;
    size = finals.size;
  }
  abort.abort();
  await Promise.all(running);
  await reader.stop();
  await bus.close();
  pipeline.dispose();
  return finals;
}

test('weir score (the shipped model) gives the streaming stages\' final scores, labels and reasons for the same log', { timeout: 300_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'weir-score-'));
  await writeSimulation({ outDir: dir, customers: 1, durationMs: 40 * 60_000, seed: 'cli-score', ratePerMinute: 8 });
  const log = readdirSync(dir).find((name) => name.endsWith('.log'))!;
  const customer = log.replace(/\.log$/, '');
  const out = join(dir, 'scores.ndjson');

  const run = await runCommand(score, ['--input', join(dir, log), '--out', out, '--quiet']);
  assert.equal(run.code, 0, run.err);
  const offline = readFileSync(out, 'utf8').trimEnd().split('\n').map((line) => JSON.parse(line) as ScoreRecord);
  assert.ok(offline.length > 100, `sessions scored: ${offline.length}`);
  const manifest = JSON.parse(readFileSync(join(DEFAULT_MODEL_DIR, 'pipeline.json'), 'utf8')) as { version: string };
  for (const record of offline) {
    assert.equal(record.customer, customer);
    assert.equal(record.modelVersion, manifest.version, 'scored by the shipped model');
    assert.ok(record.score >= 0 && record.score <= 1);
    assert.ok(record.firstTime <= record.lastTime && record.requestCount >= 1);
    assert.ok(['human', 'suspicious', 'bot'].includes(record.label));
    if (record.label === 'bot') assert.ok(record.reasons.length > 0, `a bot comes with its reasons: ${record.sessionKey}`);
  }
  assert.ok(offline.some((r) => r.label === 'bot') && offline.some((r) => r.label === 'human'), 'both labels occur');
  assert.match(run.out, new RegExp(`${offline.length} sessions scored`));

  const streamed = await streamedFinalScores(customer, readFileSync(join(dir, log), 'utf8').trimEnd().split('\n'));
  assert.equal(streamed.size, offline.length, 'as many final scores in the stream as sessions offline');
  let largest = 0;
  for (const record of offline) {
    const online = streamed.get(record.sessionId);
    assert.ok(online, `session ${record.sessionId} scored in the stream`);
    largest = Math.max(largest, Math.abs(online.score - record.score));
    assert.ok(Math.abs(online.score - record.score) <= 1e-6, `${record.sessionId}: ${online.score} streamed vs ${record.score} offline`);
    assert.equal(online.label, record.label);
    assert.equal(online.windowStart, record.windowStart, 'joined with the same window');
    assert.deepEqual(
      online.reasons.map((r) => r.feature),
      record.reasons.map((r) => r.feature),
    );
  }
  console.log(`weir score vs stream: ${offline.length} sessions, largest score difference ${largest}`);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { MAX_DEAD_LETTER_REASONS, promStageMetrics } from '../src/metrics.js';

test('prom-client metrics are labelled by stage and shared by stages of one registry', async () => {
  const registry = new Registry();
  const sessionize = promStageMetrics('sessionize', registry);
  const window = promStageMetrics('window', registry);
  sessionize.recordsIn('weir.logs.acme', 10);
  sessionize.recordsOut('weir.sessions', 7);
  sessionize.deadLetters('WEIR_STAGE_DECODE', 2);
  sessionize.lag('weir.logs.acme', 0, 15);
  sessionize.batch(10, 0.02);
  window.recordsIn('weir.sessions', 3);
  window.retry('produce');
  window.restore(100, 0.5);
  const text = await registry.metrics();
  assert.match(text, /weir_stage_records_in_total\{stage="sessionize",topic="weir.logs.acme"\} 10/);
  assert.match(text, /weir_stage_records_in_total\{stage="window",topic="weir.sessions"\} 3/);
  assert.match(text, /weir_stage_records_out_total\{stage="sessionize",topic="weir.sessions"\} 7/);
  assert.match(text, /weir_stage_dead_letters_total\{stage="sessionize",reason="WEIR_STAGE_DECODE"\} 2/);
  assert.match(text, /weir_stage_consumer_lag\{stage="sessionize",topic="weir.logs.acme",partition="0"\} 15/);
  assert.match(text, /weir_stage_batch_size_count\{stage="sessionize"\} 1/);
  assert.match(text, /weir_stage_retries_total\{stage="window",operation="produce"\} 1/);
  assert.match(text, /weir_stage_restored_records_total\{stage="window"\} 100/);
  sessionize.lag('weir.logs.acme', 0, null);
  assert.doesNotMatch(await registry.metrics(), /weir_stage_consumer_lag\{stage="sessionize"/);
});

test('dead-letter reasons beyond the first MAX_DEAD_LETTER_REASONS are counted as other', async () => {
  const registry = new Registry();
  const metrics = promStageMetrics('window', registry);
  for (let i = 0; i < MAX_DEAD_LETTER_REASONS + 8; i++) metrics.deadLetters(`reason_${i}`, 1);
  metrics.deadLetters('reason_0', 1);
  const text = await registry.metrics();
  const labels = [...text.matchAll(/weir_stage_dead_letters_total\{stage="window",reason="([^"]+)"\} (\d+)/g)].map(([, reason, n]) => [reason, Number(n)] as const);
  assert.equal(labels.length, MAX_DEAD_LETTER_REASONS + 1);
  assert.deepEqual(labels.find(([reason]) => reason === 'other'), ['other', 8]);
  assert.deepEqual(labels.find(([reason]) => reason === 'reason_0'), ['reason_0', 2]);
});

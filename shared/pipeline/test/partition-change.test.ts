/**
 * On the real broker: partitions added to `weir.sessions` while the window stage runs (it read
 * the count at its start, and every partition must report before a window is final) stop the
 * stage with WEIR_PARTITIONS_CHANGED, logged and counted on its metrics, instead of running on
 * with the old count; a restart then runs with the new one.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Registry } from 'prom-client';
import { SCORES_TOPIC, SESSIONS_TOPIC, WINDOWS_TOPIC, WINDOW_PARTIALS_TOPIC } from '@weir/contracts';
import { changelogTopicName, deadLetterTopicName, isStreamError, promStageMetrics } from '@weir/stream';
import { deleteTopics, kafkaBus, requireServers, waitFor } from '@weir/testing';
import { ensurePipelineTopics, runWindow, topicIn } from '../src/index.js';

test('partitions added to weir.sessions stop the window stage loudly (error, log, metric); a restart runs with them', { timeout: 180_000 }, async () => {
  requireServers();
  const run = `partchange-${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  const groupId = `${run}-window`;
  const sessions = topicIn(run, SESSIONS_TOPIC);
  const bus = await kafkaBus();
  try {
    await ensurePipelineTopics(bus, { namespace: run, partitions: 2 });
    const registry = new Registry();
    const start = (signal: AbortSignal, onStarted: () => void) =>
      runWindow({ bus, namespace: run, groupId, signal, handleSignals: false, partitionWatchMs: 300, metrics: promStageMetrics('window', registry), onStarted });

    let started = false;
    const first = start(new AbortController().signal, () => (started = true));
    await waitFor('the window stage to start', () => started, 90_000);
    await bus.admin.createPartitions(sessions, 3);
    await assert.rejects(first, (err: unknown) => {
      assert.ok(isStreamError(err, 'WEIR_PARTITIONS_CHANGED'), String(err));
      assert.match(err.message, new RegExp(`${sessions.replace(/\./g, '\\.')} has 3 partitions, 2 when this stage started.*must be restarted`));
      return true;
    });
    assert.match(await registry.metrics(), new RegExp(`weir_stage_partition_changes_total\\{stage="window",topic="${sessions.replace(/\./g, '\\.')}"\\} 1`));

    // Restarted, it reads 3 and keeps running until stopped.
    const abort = new AbortController();
    let restarted = false;
    const second = start(abort.signal, () => (restarted = true));
    await waitFor('the restarted stage to start', () => restarted, 90_000);
    // Longer than several watch intervals: nothing changed, nothing stops it.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    abort.abort();
    await second;
  } finally {
    await deleteTopics(bus, [
      ...[SESSIONS_TOPIC, WINDOW_PARTIALS_TOPIC, WINDOWS_TOPIC, SCORES_TOPIC].map((t) => topicIn(run, t)),
      changelogTopicName(groupId, 'windows'),
      deadLetterTopicName(groupId),
    ]);
    await bus.close();
  }
});

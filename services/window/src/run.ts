/**
 * The window stage as this service runs it: `weir.sessions` (keyed by customer, so a customer's
 * sessions are on one partition, in order) → each customer's WindowBaseline → `weir.windows`
 * on every window update and close, open windows checkpointed to `<group>.windows.changelog`.
 * `runWindow` of @weir/pipeline with the topics under WEIR_TOPIC_NAMESPACE.
 */
import { SESSIONS_TOPIC, WINDOWS_TOPIC, type SessionFeatures, type WindowSummary } from '@weir/contracts';
import { windowStage, ensurePipelineTopics, namespacedSerde, topicIn } from '@weir/pipeline';
import { runnerContext, type StageRunContext } from '@weir/service';
import { runStage, stageSerde } from '@weir/stream';
import { Counter } from 'prom-client';
import type { WindowConfig } from './config.js';

export async function runWindowService(config: WindowConfig, context: StageRunContext): Promise<void> {
  const { bus, logger, registry } = context;
  await ensurePipelineTopics(bus, { namespace: config.namespace });
  const late = new Counter({
    name: 'weir_window_late_sessions_total',
    help: 'Session records that reached the window stage after their windows closed, by kind',
    labelNames: ['kind'],
    registers: [registry],
  });
  await runStage({
    ...runnerContext(context),
    groupId: config.groupId,
    delivery: config.delivery,
    input: [topicIn(config.namespace, SESSIONS_TOPIC)],
    stage: windowStage({
      window: config.window,
      topic: topicIn(config.namespace, WINDOWS_TOPIC),
      closeIdleAfterMs: config.closeIdleAfterMs,
      onLate: (records, at) => {
        for (const { kind } of records) late.inc({ kind });
        // A closed session's record after its window closed is expected (its values were counted by its updates).
        logger.debug({ ...at, count: records.length, kinds: records.map((r) => r.kind) }, 'session records after their window closed');
      },
    }),
    serde: stageSerde(namespacedSerde<SessionFeatures>(config.namespace), namespacedSerde<WindowSummary>(config.namespace)),
    state: { name: 'windows' },
  });
}

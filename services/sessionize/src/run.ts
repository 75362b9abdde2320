/**
 * The sessionize stage as this service runs it: `weir.logs.*` (a pattern, so a new customer's
 * topic is picked up without a restart) → the shared Sessionizer → `weir.sessions`, the open
 * sessions checkpointed to the `<group>.sessions.changelog` compacted topic and restored for the
 * partitions this instance is assigned. `runSessionize` of @weir/pipeline with the input pattern
 * and output topic configurable (WEIR_LOGS_TOPIC_PATTERN, WEIR_TOPIC_NAMESPACE).
 */
import { SESSIONS_TOPIC, createSerde, type RequestEvent, type SessionFeatures } from '@weir/contracts';
import { sessionizeStage, ensurePipelineTopics, namespacedSerde, topicIn } from '@weir/pipeline';
import { runnerContext, type StageRunContext } from '@weir/service';
import { runStage, stageSerde } from '@weir/stream';
import { Counter } from 'prom-client';
import type { SessionizeConfig } from './config.js';

export async function runSessionizeService(config: SessionizeConfig, context: StageRunContext): Promise<void> {
  const { bus, logger, registry } = context;
  await ensurePipelineTopics(bus, { namespace: config.namespace });
  const late = new Counter({
    name: 'weir_sessionize_late_events_total',
    help: 'Events that arrived later than WEIR_SESSION_LATENESS behind their partition and were not placed in a session',
    labelNames: ['customer'],
    registers: [registry],
  });
  const forceClosed = new Counter({
    name: 'weir_sessionize_force_closed_sessions_total',
    help: 'Sessions closed early because WEIR_MAX_OPEN_SESSIONS were open',
    labelNames: ['customer'],
    registers: [registry],
  });
  await runStage({
    ...runnerContext(context),
    groupId: config.groupId,
    delivery: config.delivery,
    input: config.logsPattern,
    stage: sessionizeStage({
      sessionizer: config.sessionizer,
      topic: topicIn(config.namespace, SESSIONS_TOPIC),
      closeIdleAfterMs: config.closeIdleAfterMs,
      onLate: (events, at) => {
        for (const { event } of events) late.inc({ customer: event.customer });
        logger.warn({ ...at, count: events.length, lateByMs: events.map((e) => e.lateByMs) }, 'events too late to place in a session');
      },
      onForceClosed: (sessions) => {
        for (const session of sessions) forceClosed.inc({ customer: session.customer });
      },
    }),
    serde: stageSerde(createSerde<RequestEvent>(), namespacedSerde<SessionFeatures>(config.namespace)),
    state: { name: 'sessions' },
  });
}

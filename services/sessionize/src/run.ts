/**
 * The sessionize service: its configuration and counters around the shared wiring
 * (`runSessionize` of @weir/pipeline, which `weir start` and the parity tests run too).
 * `weir.logs.*` (a pattern, so a new customer's topic is picked up without a restart) → the
 * shared Sessionizer → `weir.sessions`, the open sessions checkpointed to the
 * `<group>.sessions.changelog` compacted topic and restored for the partitions this instance is assigned.
 */
import { runSessionize } from '@weir/pipeline';
import { runnerContext, type StageRunContext } from '@weir/service';
import { Counter } from 'prom-client';
import type { SessionizeConfig } from './config.js';

export async function runSessionizeService(config: SessionizeConfig, context: StageRunContext): Promise<void> {
  const { logger, registry } = context;
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
  await runSessionize({
    ...runnerContext(context),
    groupId: config.groupId,
    delivery: config.delivery,
    namespace: config.namespace,
    input: config.logsPattern,
    stage: {
      sessionizer: config.sessionizer,
      closeIdleAfterMs: config.closeIdleAfterMs,
      onLate: (events, at) => {
        for (const { event } of events) late.inc({ customer: event.customer });
        logger.warn({ ...at, count: events.length, lateByMs: events.map((e) => e.lateByMs) }, 'events too late to place in a session');
      },
      onForceClosed: (sessions) => {
        for (const session of sessions) forceClosed.inc({ customer: session.customer });
      },
    },
  });
}

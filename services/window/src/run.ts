/**
 * The window service: its configuration and counters around the shared wiring (`runWindow` of
 * @weir/pipeline, which `weir start` and the parity tests run too). `weir.sessions` (keyed by
 * session) → each partition's pieces of its customers' windows → `weir.window-partials` (keyed
 * by customer) → merged → `weir.windows` on every window update and close; open windows and
 * merges checkpointed to `<group>.windows.changelog`.
 */
import { runWindow } from '@weir/pipeline';
import { runnerContext, type StageRunContext } from '@weir/service';
import { Counter } from 'prom-client';
import type { WindowConfig } from './config.js';

export async function runWindowService(config: WindowConfig, context: StageRunContext): Promise<void> {
  const { logger, registry } = context;
  const late = new Counter({
    name: 'weir_window_late_sessions_total',
    help: 'Session records that reached the window stage after their windows closed, by kind',
    labelNames: ['kind'],
    registers: [registry],
  });
  const latePieces = new Counter({
    name: 'weir_window_late_pieces_total',
    help: "Partitions' window pieces that reached the merge after the window was published final",
    registers: [registry],
  });
  await runWindow({
    ...runnerContext(context),
    groupId: config.groupId,
    delivery: config.delivery,
    namespace: config.namespace,
    stage: {
      window: config.window,
      closeIdleAfterMs: config.closeIdleAfterMs,
      onLate: (records, at) => {
        for (const { kind } of records) late.inc({ kind });
        // A closed session's record after its window closed is expected (its values were counted by its updates).
        logger.debug({ ...at, count: records.length, kinds: records.map((r) => r.kind) }, 'session records after their window closed');
      },
      onLatePiece: (piece) => {
        latePieces.inc();
        logger.warn({ customer: piece.customer, windowStart: piece.windowStart, partition: piece.partition }, 'a window piece arrived after the window was published final; not merged');
      },
    },
  });
}

import { WINDOWS_TOPIC, type SessionFeatures, type WindowSummary } from '@weir/contracts';
import {
  WindowBaseline,
  type LateSessionRecord,
  type WindowBaselineConfig,
  type WindowBaselineSnapshot,
  type WindowOutput,
} from '@weir/features';
import type { OutputRecord, Stage } from '@weir/stream';
import { checkpointedStage } from './checkpointed-stage.js';
import type { CheckpointEntry, Held, SnapshotParts } from './partition-checkpoint.js';

type CustomerWindows = WindowBaselineSnapshot['customers'][number];
export type WindowState = CheckpointEntry<WindowBaselineSnapshot, CustomerWindows>;

export interface WindowStageOptions {
  window?: WindowBaselineConfig;
  /** Output topic, `weir.windows` by default. */
  topic?: string;
  /** Closes every open window of a partition idle this long (wall clock); 0 turns it off. Default 0. */
  closeIdleAfterMs?: number;
  onLate?: (late: readonly LateSessionRecord[], ctx: { topic: string; partition: number }) => void;
}

function baselineParts(config: WindowBaselineConfig): SnapshotParts<WindowBaseline, WindowBaselineSnapshot, CustomerWindows> {
  return {
    create: () => new WindowBaseline(config),
    snapshot: (baseline) => baseline.snapshot(),
    restore: (snapshot) => WindowBaseline.restore(snapshot, config),
    split: ({ customers, ...meta }) => ({ meta: { ...meta, customers: [] }, parts: customers.map((c) => [c.customer, c]) }),
    join: (meta, parts) => ({ ...meta, customers: [...parts].sort((a, b) => a.customer.localeCompare(b.customer)) }),
  };
}

/** Window summaries are keyed by customer and window, so a compacted topic keeps each window's last summary. */
export function windowKey(summary: WindowSummary): string {
  return `${summary.customer}|${summary.windowStart}`;
}

/**
 * The window stage: session records of `weir.sessions` (keyed by customer) in, each customer's
 * baseline per time window out to `weir.windows`, on update and on close.
 */
export function windowStage(options: WindowStageOptions = {}): Stage<SessionFeatures, WindowSummary, WindowState, Held<WindowBaseline>> {
  const topic = options.topic ?? WINDOWS_TOPIC;
  return checkpointedStage({
    name: 'window',
    parts: baselineParts(options.window ?? {}),
    push: (baseline: WindowBaseline, session: SessionFeatures) => baseline.push(session),
    flush: (baseline) => baseline.flush(),
    toOutputs: (output: WindowOutput, ctx): OutputRecord<WindowSummary>[] => {
      if (output.late.length > 0) options.onLate?.(output.late, { topic: ctx.topic, partition: ctx.partition });
      return output.summaries.map((summary) => ({ topic, key: windowKey(summary), value: summary }));
    },
    closeIdleAfterMs: options.closeIdleAfterMs ?? 0,
  });
}

import { SCORES_TOPIC, type ScoreRecord, type SessionFeatures, type WindowSummary } from '@weir/contracts';
import type { OutputRecord, Stage, StageContext } from '@weir/stream';
import { scoreRecord } from './score-record.js';
import type { Scorer, ScoringItem, Thresholds } from './scorer.js';
import type { WindowTable } from './window-table.js';

/** A closed session waiting for the final baseline of its window. */
export interface ScoreState {
  session: SessionFeatures;
  /** Wall-clock ms it started waiting. */
  since: number;
}

export interface ScoreStageOptions {
  /** Each customer's latest window summaries, kept current by the caller from `weir.windows`. */
  windows: WindowTable;
  scorer: () => Scorer;
  /** An optional second model whose scores are published marked `shadow`, to judge it on live traffic. */
  shadow?: () => Scorer | null;
  thresholds: (customer: string) => Thresholds;
  /** Output topic, `weir.scores` by default. */
  topic?: string;
  /**
   * Longest a closed session waits for its window to close before it is scored against the
   * newest baseline there is (wall clock). Default 5 minutes.
   */
  maxWaitMs?: number;
  now?: () => number;
}

/**
 * The score stage: a stream–table join of session records with their customer's window
 * baseline, then the scorer. Updates of open sessions are scored at once against the newest
 * baseline at or before their time, for the live view. A closed session's score is its final
 * one, so it is computed against the *final* summary of the window holding its last event: it
 * waits (in checkpointed state) until that window has closed. The final score then depends on
 * the data alone, not on which topic happened to be read first, and a restarted stage gives the
 * same final scores as an uninterrupted one.
 */
export function scoreStage(options: ScoreStageOptions): Stage<SessionFeatures, ScoreRecord, ScoreState> {
  const topic = options.topic ?? SCORES_TOPIC;
  const now = options.now ?? Date.now;
  const maxWait = options.maxWaitMs ?? 5 * 60_000;

  function score(items: ScoringItem[]): OutputRecord<ScoreRecord>[] {
    if (items.length === 0) return [];
    const scoredAt = now();
    const outputs: OutputRecord<ScoreRecord>[] = [];
    const publish = (scorer: Scorer, shadow: boolean) => {
      const results = scorer.scoreBatch(items, options.thresholds);
      items.forEach((item, i) => {
        const value = scoreRecord(item, results[i]!, { modelVersion: scorer.version, shadow, scoredAt });
        outputs.push({ topic, key: item.session.sessionId, value });
      });
    };
    publish(options.scorer(), false);
    const shadow = options.shadow?.();
    if (shadow) publish(shadow, true);
    return outputs;
  }

  function finalBaseline(session: SessionFeatures): WindowSummary | null {
    return options.windows.closedAt(session.customer, session.lastTime);
  }

  return {
    name: 'score',
    process(records, ctx: StageContext<ScoreState>) {
      const ready: ScoringItem[] = [];
      for (const { value: session } of records) {
        if (!session.closed) {
          ready.push({ session, baseline: options.windows.lookup(session.customer, session.lastTime) });
          continue;
        }
        const baseline = finalBaseline(session);
        if (baseline) {
          ctx.state.delete(session.sessionId);
          ready.push({ session, baseline });
        } else {
          ctx.state.set(session.sessionId, { session, since: now() });
        }
      }
      return score(ready);
    },
    onTick(tickNow, ctx) {
      if (ctx.state.size === 0) return [];
      const ready: ScoringItem[] = [];
      for (const [sessionId, waiting] of ctx.state.entries()) {
        const baseline = finalBaseline(waiting.session);
        const expired = tickNow - waiting.since >= maxWait;
        if (!baseline && !expired) continue;
        ctx.state.delete(sessionId);
        ready.push({
          session: waiting.session,
          baseline: baseline ?? options.windows.lookup(waiting.session.customer, waiting.session.lastTime),
        });
      }
      return score(ready);
    },
  };
}

import { SCORES_TOPIC, isSessionProgress, type ScoreRecord, type SessionFeatures, type WindowSummary } from '@weir/contracts';
import type { OutputRecord, Stage, StageContext } from '@weir/stream';
import { scoreRecord } from './score-record.js';
import type { Scorer, ScoringItem, Thresholds } from './scorer.js';
import type { WindowTable } from './window-table.js';

/** A closed session waiting for the final baseline of its window. */
export interface ScoreState {
  session: SessionFeatures;
  /** Wall-clock ms it started waiting. */
  since: number;
  /** True once its provisional score (after maxWaitMs) is published: one is enough. */
  provisional?: boolean;
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
   * Longest a closed session waits (wall clock) for its window to close before a provisional
   * score (`closed` false) against the newest baseline there is is published; it goes on waiting
   * for its final score. Default 5 minutes.
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
 *
 * A closed session's final score is published only from that final summary, never from a
 * baseline that may still change: a session still waiting after `maxWaitMs` gets a provisional
 * score (`closed` false) and waits on. Were the provisional score final, a session delivered
 * again after a rejoin or restart would get a second final score, from the window's final
 * summary, and which of the two counted would depend on timing. Only a session whose window the
 * table can no longer hold (beyond its retention) is finished against the newest baseline there is.
 */
export function scoreStage(options: ScoreStageOptions): Stage<SessionFeatures, ScoreRecord, ScoreState> {
  const topic = options.topic ?? SCORES_TOPIC;
  const now = options.now ?? Date.now;
  const maxWait = options.maxWaitMs ?? 5 * 60_000;

  function score(items: ScoringItem[], provisional = false): OutputRecord<ScoreRecord>[] {
    if (items.length === 0) return [];
    const scoredAt = now();
    const outputs: OutputRecord<ScoreRecord>[] = [];
    const publish = (scorer: Scorer, shadow: boolean) => {
      const results = scorer.scoreBatch(items, options.thresholds);
      items.forEach((item, i) => {
        const value = scoreRecord(item, results[i]!, { modelVersion: scorer.version, shadow, scoredAt, provisional });
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
      for (const { value: session, headers } of records) {
        // The sessionize stage's progress for the window stage: no session to score.
        if (isSessionProgress(headers)) continue;
        if (!session.closed) {
          ready.push({ session, baseline: options.windows.lookup(session.customer, session.lastTime) });
          continue;
        }
        const baseline = finalBaseline(session);
        if (baseline) {
          ctx.state.delete(session.sessionId);
          ready.push({ session, baseline });
        } else if (!ctx.state.has(session.sessionId)) {
          // Delivered again (a rejoin, a restart): it keeps its wait and its provisional score.
          ctx.state.set(session.sessionId, { session, since: now() });
        }
      }
      return score(ready);
    },
    onTick(tickNow, ctx) {
      if (ctx.state.size === 0) return [];
      const ready: ScoringItem[] = [];
      const provisional: ScoringItem[] = [];
      const newest = (session: SessionFeatures) => options.windows.lookup(session.customer, session.lastTime);
      for (const [sessionId, waiting] of [...ctx.state.entries()]) {
        const { session } = waiting;
        const baseline = finalBaseline(session);
        if (baseline) {
          ctx.state.delete(sessionId);
          ready.push({ session, baseline });
        } else if (options.windows.beyondRetention(session.customer, session.lastTime)) {
          ctx.state.delete(sessionId);
          ready.push({ session, baseline: newest(session) });
        } else if (!waiting.provisional && tickNow - waiting.since >= maxWait) {
          ctx.state.set(sessionId, { ...waiting, provisional: true });
          provisional.push({ session, baseline: newest(session) });
        }
      }
      if (provisional.length > 0) {
        // Seen in a service's log, this says why its final scores came later than maxWaitMs.
        ctx.log.warn({ sessions: provisional.length, maxWaitMs: maxWait }, 'closed sessions waited longer than the longest wait for their window\'s final summary: provisional scores published, final ones to come');
      }
      return [...score(ready), ...score(provisional, true)];
    },
  };
}

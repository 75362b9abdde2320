import type { ScoreRecord } from '@weir/contracts';
import type { ScoringItem, SessionScore } from './scorer.js';

export interface ScoreRecordMeta {
  /** The scorer's version. */
  modelVersion: string;
  /** True for a shadow model's scores: shown for judging, never acted upon. */
  shadow: boolean;
  /** Wall-clock ms of scoring. */
  scoredAt: number;
  /**
   * True for a closed session scored before the final summary of its window (after the score
   * stage's longest wait): published with `closed` false, since its final score is still to come.
   */
  provisional?: boolean;
}

/**
 * The `weir.scores` record of one scored session: the score stage and the offline `weir score`
 * build it here, so a file of offline scores has the shape of the topic's records.
 */
export function scoreRecord({ session, baseline }: ScoringItem, result: SessionScore, meta: ScoreRecordMeta): ScoreRecord {
  return {
    customer: session.customer,
    sessionId: session.sessionId,
    sessionKey: session.sessionKey,
    clientIp: session.clientIp,
    userAgent: session.userAgent,
    firstTime: session.firstTime,
    lastTime: session.lastTime,
    requestCount: session.requestCount,
    // `closed` marks a session's final score: one per session, from its window's final summary.
    closed: session.closed && !meta.provisional,
    score: result.score,
    label: result.label,
    modelVersion: meta.modelVersion,
    shadow: meta.shadow,
    windowStart: baseline ? baseline.windowStart : null,
    reasons: result.reasons,
    scoredAt: meta.scoredAt,
  };
}

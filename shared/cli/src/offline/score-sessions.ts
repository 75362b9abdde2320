/**
 * Final sessions → `weir.scores` records, in batches, with the scorer the score service runs
 * (`ModelScorer`: the same rows, scores, labels and reasons) and the record shape of its topic.
 */
import type { ScoreRecord } from '@weir/contracts';
import { scoreRecord, type FinalSession, type Scorer, type Thresholds } from '@weir/pipeline';

export async function* scoreSessions(
  sessions: AsyncIterable<FinalSession>,
  scorer: Scorer,
  thresholds: (customer: string) => Thresholds,
  batchSize = 256,
): AsyncGenerator<ScoreRecord> {
  let batch: FinalSession[] = [];
  const flush = function* (): Generator<ScoreRecord> {
    const scoredAt = Date.now();
    const results = scorer.scoreBatch(batch, thresholds);
    for (const [i, item] of batch.entries()) yield scoreRecord(item, results[i]!, { modelVersion: scorer.version, shadow: false, scoredAt });
    batch = [];
  };
  for await (const session of sessions) {
    batch.push(session);
    if (batch.length >= batchSize) yield* flush();
  }
  if (batch.length > 0) yield* flush();
}

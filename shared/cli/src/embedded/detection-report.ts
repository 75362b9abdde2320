import type { ScoreRecord } from '@weir/contracts';
import { truthKey, type GroundTruth } from './traffic-feeder.js';

export interface DetectionReport {
  sessions: number;
  labelled: number;
  bots: number;
  flagged: number;
  truePositives: number;
  precision: number;
  recall: number;
  humansFlaggedShare: number;
  recallByFamily: Record<string, number>;
}

/**
 * Precision and recall of the latest score of every session against the simulator's labels.
 * A session is flagged when its label is not `human`.
 */
export function detectionReport(scores: Iterable<ScoreRecord>, truth: ReadonlyMap<string, GroundTruth>): DetectionReport {
  let sessions = 0;
  let labelled = 0;
  let bots = 0;
  let flagged = 0;
  let truePositives = 0;
  let humans = 0;
  let humansFlagged = 0;
  const family = new Map<string, { bots: number; caught: number }>();
  for (const score of scores) {
    sessions++;
    const known = truth.get(truthKey(score.customer, score.clientIp, score.userAgent));
    if (!known) continue;
    labelled++;
    const isFlagged = score.label !== 'human';
    if (isFlagged) flagged++;
    if (known.label === 'bot') {
      bots++;
      const counts = family.get(known.family) ?? { bots: 0, caught: 0 };
      counts.bots++;
      if (isFlagged) {
        truePositives++;
        counts.caught++;
      }
      family.set(known.family, counts);
    } else {
      humans++;
      if (isFlagged) humansFlagged++;
    }
  }
  const ratio = (a: number, b: number) => (b === 0 ? 0 : a / b);
  return {
    sessions,
    labelled,
    bots,
    flagged,
    truePositives,
    precision: ratio(truePositives, flagged),
    recall: ratio(truePositives, bots),
    humansFlaggedShare: ratio(humansFlagged, humans),
    recallByFamily: Object.fromEntries([...family].sort().map(([name, c]) => [name, ratio(c.caught, c.bots)])),
  };
}

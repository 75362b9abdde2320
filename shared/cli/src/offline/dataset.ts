/**
 * Closed sessions joined to their labels → model rows. Rows are `modelRow(session, baseline)`:
 * the columns the score service builds (raw features, then z and robust z against the window
 * baseline), so a model learns from exactly what it is later asked about. Sessions without a
 * label row are left out of training and of every metric, and counted.
 */
import type { FinalSession } from '@weir/pipeline';
import { modelRow } from '@weir/pipeline';
import { labelKeyOf, type Labels } from './labels.js';

export interface LabelledRows {
  rows: number[][];
  /** 1 = bot, 0 = human. */
  labels: number[];
  /** Per row: its family from the labels file, or null. */
  families: (string | null)[];
  /** Per row: its label key (the session key as the labels file writes it). */
  keys: string[];
  /** Per row: the session's first request (ms), for folds by time. */
  times: number[];
  sessions: number;
  unlabelled: number;
  /** Up to 5 keys of unlabelled sessions, to tell a wrong session key from a few stray sessions. */
  unlabelledExamples: string[];
  /** Sessions per family (`human` and `bot` when the labels name none). */
  byFamily: Record<string, number>;
}

export async function labelledRows(sessions: AsyncIterable<FinalSession>, labels: Labels): Promise<LabelledRows> {
  const set: LabelledRows = { rows: [], labels: [], families: [], keys: [], times: [], sessions: 0, unlabelled: 0, unlabelledExamples: [], byFamily: {} };
  for await (const { session, baseline } of sessions) {
    set.sessions++;
    const key = labelKeyOf(session);
    const label = labels.get(key);
    if (!label) {
      set.unlabelled++;
      if (set.unlabelledExamples.length < 5) set.unlabelledExamples.push(key);
      continue;
    }
    set.rows.push(modelRow(session, baseline).values);
    set.labels.push(label.bot ? 1 : 0);
    set.families.push(label.family);
    set.keys.push(key);
    set.times.push(session.firstTime);
    const family = label.family ?? (label.bot ? 'bot' : 'human');
    set.byFamily[family] = (set.byFamily[family] ?? 0) + 1;
  }
  return set;
}

/** Families only when the labels gave any: otherwise per-family figures would be empty noise. */
export function familiesOf(set: LabelledRows): (string | null)[] | undefined {
  return set.families.some((f) => f !== null) ? set.families : undefined;
}

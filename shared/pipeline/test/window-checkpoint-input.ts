/** The session records of the window-checkpoint fixtures: two customers' simulated traffic, cut in two batches. */
import type { SessionFeatures } from '@weir/contracts';
import type { WindowBaselineConfig } from '@weir/features';
import { simulatedEvents } from '@weir/testing';
import { OfflinePipeline } from '../src/index.js';

export const FIXTURE_WINDOW: WindowBaselineConfig = { sizeMs: 60_000, allowedLatenessMs: 3 * 60_000, updateEveryRecords: 5 };

/** The records in arrival order, and where the fixture's checkpoint was taken (after the first batch). */
export function fixtureSessions(): { first: SessionFeatures[]; second: SessionFeatures[] } {
  const { events } = simulatedEvents(['acme', 'globex'], { durationMs: 8 * 60_000, ratePerMinute: 3, seed: 'window-checkpoint-v1' });
  const records: SessionFeatures[] = [];
  const pipeline = new OfflinePipeline({ onSessionRecord: (record) => records.push(record) });
  for (const event of events) pipeline.push(event);
  pipeline.finish();
  const cut = Math.floor(records.length / 2);
  return { first: records.slice(0, cut), second: records.slice(cut) };
}

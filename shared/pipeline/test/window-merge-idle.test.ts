/**
 * A partition of `weir.sessions` closed idle (WEIR_CLOSE_IDLE_AFTER) sends the closed pieces of
 * its windows; a session of one of those windows that reaches it afterwards (a lull mid-stream:
 * a registry outage, a slow sessionize) makes it send a second piece of the same window. The
 * merge must add that piece, not take it for an at-least-once repeat of the first, so the final
 * summary is the one a single pass over every session computes; a real repeat still counts once.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SessionFeatures, WindowPartial, WindowSummary } from '@weir/contracts';
import { WindowBaseline, type WindowOutput } from '@weir/features';
import { silentLogger, type StageContext, type StateView } from '@weir/stream';
import { parsedTraffic } from '@weir/testing';
import { OfflinePipeline, pieceRecord, progressRecord, windowMergeStage, type MergeEntry } from '../src/index.js';

const LATENESS = { allowedLatenessMs: 30 * 60_000 };

/** Three closed sessions of one customer whose last events share a window. */
function sessionsOfOneWindow(): SessionFeatures[] {
  const closed: SessionFeatures[] = [];
  const offline = new OfflinePipeline({ sessionizer: { gapMs: 60_000 }, onSessionRecord: (r) => void (r.closed && closed.push(r)) });
  for (const event of parsedTraffic({ customers: 1, durationMs: 10 * 60_000, seed: 'merge-idle', ratePerMinute: 6 }, { customer: () => 'shop' })) offline.push(event);
  offline.finish();
  const byWindow = new Map<number, SessionFeatures[]>();
  for (const s of closed) {
    const start = Math.floor(s.lastTime / 60_000);
    byWindow.set(start, [...(byWindow.get(start) ?? []), s]);
  }
  const three = [...byWindow.values()].find((sessions) => sessions.length >= 3);
  assert.ok(three, 'a window with three closed sessions');
  return three.slice(0, 3);
}

function stateView(): StateView<MergeEntry> {
  const map = new Map<string, MergeEntry>();
  return { get: (k) => map.get(k), has: (k) => map.has(k), set: (k, v) => void map.set(k, v), delete: (k) => void map.delete(k), entries: () => map.entries(), get size() { return map.size; } };
}

test('a piece a partition sends after its idle close is merged; a repeated piece is not', async () => {
  const [first, second, third] = sessionsOfOneWindow();
  const single = new WindowBaseline(LATENESS);
  for (const s of [first!, second!, third!]) single.push(s);
  const expected = single.flush().summaries.filter((s) => s.closed);
  assert.equal(expected.length, 1);

  const merge = windowMergeStage({ topic: 'weir.windows' });
  const state = stateView();
  const ctx: StageContext<MergeEntry> = { topic: 'weir.window-partials', partition: 0, state, live: { get: () => undefined, set: () => undefined }, log: silentLogger() };
  const finals: WindowSummary[] = [];
  const final = (): WindowSummary | undefined => finals[0];
  let offset = 0;
  let at = 1_000;
  const feed = async (records: WindowPartial[]) => {
    for (const value of records) {
      const outputs = await merge.process([{ topic: ctx.topic, partition: 0, offset: offset++, key: Buffer.from(value.customer), value, headers: {}, timestamp: 0 }], ctx);
      finals.push(...outputs.map((o) => o.value).filter((s) => s.closed));
    }
  };
  const pieces = (partition: number, output: WindowOutput) => output.partials.map((piece) => pieceRecord(piece, partition, 2, at++));
  const idle = (partition: number) => progressRecord(partition, 2, null);

  const p0 = new WindowBaseline({ ...LATENESS, partials: true });
  const p1 = new WindowBaseline({ ...LATENESS, partials: true });
  await feed(pieces(1, p1.push(first!)));
  const firstPiece = pieces(0, p0.push(second!));
  await feed(firstPiece);
  const firstClose = pieces(0, p0.flush());
  await feed([...firstClose, idle(0)]);
  // A session of the same window reaches partition 0 after its idle close.
  await feed(pieces(0, p0.push(third!)));
  // Partition 0's first piece delivered again (its batch replayed after a rejoin).
  await feed([...firstPiece, ...firstClose]);
  await feed([...pieces(0, p0.flush()), idle(0)]);
  assert.deepEqual(finals, [], 'not final while partition 1 holds its piece open');
  await feed([...pieces(1, p1.flush()), idle(1)]);

  assert.equal(finals.length, 1, 'one final summary');
  assert.equal(final()?.sessionCount, 3, 'every session counted once');
  assert.deepEqual(final(), expected[0], 'the summary one pass over every session computes');
});

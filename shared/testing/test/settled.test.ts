/**
 * `settled` on a stand-in pipeline run: its wait for the last final scores outlasts the window
 * stage's idle close, which alone closes the traffic's last windows (nothing arrives meanwhile),
 * and still fails on a stall past it. The stand-in's score arrives after a number of the wait's
 * polls, not after a time: the wait's stall alone decides when it gives up.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ScoreRecord, SessionFeatures } from '@weir/contracts';
import { settled, type PipelineRun } from '../src/pipeline.js';

const session = { sessionId: 's1', customer: 'c', requestCount: 3, closed: true } as SessionFeatures;
const score = { sessionId: 's1', customer: 'c', closed: true, shadow: false, score: 0.5, label: 'human' } as unknown as ScoreRecord;

/** A run whose every session is closed, and whose one final score shows up on the `scoredAfter`-th read of the scores. */
function standIn(idleMs: { sessionize: number; window: number }, scoredAfter: number): PipelineRun {
  let reads = 0;
  const scores = {
    get records(): ScoreRecord[] {
      reads++;
      return reads > scoredAfter ? [score] : [];
    },
  };
  return { sessions: { records: [session] }, scores, services: new Map(), windowIdleDeferred: false, idleMs } as unknown as PipelineRun;
}

test('the wait for the final scores outlasts the window idle close (nothing arrives until it closes the last windows)', async () => {
  // Read twice a poll (check and progress), every 200 ms: the score comes after about 2 s of
  // quiet, far past the 300 ms stall, well within the 60 s idle close.
  await settled(standIn({ sessionize: 0, window: 60_000 }, 20), 3, 300);
});

test('a stall past the idle close still fails the wait, saying what it waited for', async () => {
  const started = Date.now();
  await assert.rejects(settled(standIn({ sessionize: 0, window: 500 }, Number.POSITIVE_INFINITY), 3, 300), /no progress for 800 ms waiting for a final score for every closed session.*1 closed sessions unscored/s);
  assert.ok(Date.now() - started >= 800, 'it waited out the idle close and the stall');
});

/**
 * The shipped model's reasons, computed in one pass (tree Shapley values), against occlusion's on
 * the sessions of a simulated log that the model flags: the same features lead, grouped as the
 * score stage reports them (x, z_x and rz_x as x).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { featureSetFingerprint } from '@weir/features';
import { loadModelPipeline, reasonAgreement } from '@weir/model';
import { parsedTraffic } from '@weir/testing';
import { DEFAULT_MODEL_DIR, MODEL_INPUT_NAMES, OfflinePipeline, modelRow, reasonFeatureOf, type FinalSession } from '../src/index.js';

function simulatedSessions(): FinalSession[] {
  const offline = new OfflinePipeline();
  const finals: FinalSession[] = [];
  for (const event of parsedTraffic({ customers: 2, durationMs: 40 * 60_000, seed: 'reasons', ratePerMinute: 8 })) finals.push(...offline.push(event));
  finals.push(...offline.finish());
  return finals;
}

test("the shipped model's single-pass reasons agree with occlusion's on the sessions it flags", { timeout: 120_000 }, async (t) => {
  const pipeline = await loadModelPipeline(DEFAULT_MODEL_DIR, { fingerprint: featureSetFingerprint });
  try {
    assert.equal(pipeline.reasonMethod, 'tree-shapley');
    const rows = simulatedSessions().map(({ session, baseline }) => modelRow(session, baseline).values);
    const aligned = pipeline.align({ names: MODEL_INPUT_NAMES, rows });
    const scores = pipeline.scoreBatch(aligned);
    const flagged = aligned.filter((_, i) => pipeline.label(scores[i] as number) !== 'human');
    assert.ok(flagged.length >= 30, `enough flagged sessions to compare (${flagged.length} of ${rows.length})`);
    const single = pipeline.reasonsBatch(flagged, 5, reasonFeatureOf);
    const occlusion = pipeline.occlusionReasonsBatch(flagged, 5, reasonFeatureOf);
    assert.ok(single.every((reasons) => reasons.length > 0), 'every flagged session has a reason');
    const top3 = reasonAgreement(single, occlusion, 3);
    const top5 = reasonAgreement(single, occlusion, 5);
    t.diagnostic(`${flagged.length} flagged of ${rows.length}: top-1 agreement ${top3.top1.toFixed(3)}, top-3 overlap ${top3.topK.toFixed(3)}, top-5 overlap ${top5.topK.toFixed(3)}`);
    assert.ok(top3.top1 >= 0.7, `top-1 agreement ${top3.top1}`);
    assert.ok(top3.topK >= 0.6, `top-3 overlap ${top3.topK}`);
  } finally {
    pipeline.dispose();
  }
});

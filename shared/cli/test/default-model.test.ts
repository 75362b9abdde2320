/**
 * The model that ships in models/default meets the quality bar on simulated traffic from a seed
 * it was never trained on (scripts/train-default-model.sh trains on another), and still fits the
 * running feature code.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { featureSetFingerprint } from '@weir/features';
import { DEFAULT_MODEL_DIR } from '@weir/pipeline';
import { BOT_FAMILIES, writeSimulation } from '@weir/simulator';
import { command as evaluate } from '../src/commands/evaluate.js';
import { lastJson, runCommand } from './run-command.js';

test('the shipped model was trained on the running feature code', () => {
  const manifest = JSON.parse(readFileSync(join(DEFAULT_MODEL_DIR, 'pipeline.json'), 'utf8')) as { fingerprint: string };
  assert.equal(manifest.fingerprint, featureSetFingerprint, 'the features changed: rebuild the model with bash scripts/train-default-model.sh');
});

// Wide: sites behind CDNs, single-page apps, people without referrers, long busy sessions full of
// 304s. Mixed: wide sites, two of three of them logging no referrer (and one no byte count either).
const HELD_OUT = {
  classic: { customers: 3, hours: 2, variety: 'classic', logFormats: 'combined' },
  wide: { customers: 4, hours: 1.5, variety: 'wide', logFormats: 'combined' },
  'mixed-format': { customers: 3, hours: 2, variety: 'wide', logFormats: 'mixed' },
} as const;

for (const [name, traffic] of Object.entries(HELD_OUT)) {
  test(`the shipped model on a held-out seed of ${name} sites: bot F1 ≥ 0.95, recall ≥ 0.8 for every family, ≤ 1 % of humans flagged`, { timeout: 300_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'weir-quality-'));
    const { customers, hours, variety, logFormats } = traffic;
    await writeSimulation({ outDir: dir, customers, durationMs: hours * 3_600_000, seed: `quality-bar-heldout-${name}`, variety, logFormats });
    // No --model: evaluate falls back to the shipped one.
    const run = await runCommand(evaluate, ['--input', dir, '--quiet']);
    assert.equal(run.code, 0, run.err);
    const m = lastJson(run.out) as { rows: number; f1: number; flaggedHumanShare: number; recallByFamily: Record<string, number>; model: { dir: string } };
    assert.equal(m.model.dir, DEFAULT_MODEL_DIR);
    console.log(`shipped model, held-out ${name} seed, ${m.rows} sessions: bot F1 ${m.f1.toFixed(4)}, humans flagged ${(100 * m.flaggedHumanShare).toFixed(2)} %, recall ${JSON.stringify(m.recallByFamily)}`);
    assert.ok(m.rows > 2000, `enough sessions: ${m.rows}`);
    assert.ok(m.f1 >= 0.95, `bot F1 ${m.f1}`);
    assert.ok(m.flaggedHumanShare <= 0.01, `humans flagged ${m.flaggedHumanShare}`);
    assert.deepEqual(Object.keys(m.recallByFamily).sort(), [...BOT_FAMILIES].sort());
    for (const [family, recall] of Object.entries(m.recallByFamily)) assert.ok(recall >= 0.8, `${family} recall ${recall}`);
  });
}

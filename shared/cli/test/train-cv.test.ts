/**
 * weir train --cv on a few hundred sessions: the cross-validation table and the pooled
 * out-of-fold metrics come before the final fit, the thresholds printed are the ones stored, and
 * the out-of-fold file gives every labelled session one fold and one score.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeSimulation } from '@weir/simulator';
import { command as train } from '../src/commands/train.js';
import { lastJson, runCommand } from './run-command.js';

test('weir train --cv 3 --max-human-flag-rate: out-of-fold table, stored thresholds, an out-of-fold file', { timeout: 300_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'weir-cv-cli-'));
  await writeSimulation({ outDir: join(dir, 'sim'), customers: 1, durationMs: 30 * 60_000, seed: 'cv-cli' });
  const model = join(dir, 'model');
  const oof = join(dir, 'oof.csv');
  const run = await runCommand(train, [
    '--input', join(dir, 'sim'), '--out', model, '--cv', '3', '--family', 'logistic,trees',
    '--max-human-flag-rate', '0.02', '--oof', oof, '--quiet',
  ]);
  assert.equal(run.code, 0, run.err);
  const out = run.out;
  assert.ok(out.indexOf('3-fold cross-validation by session') < out.indexOf('model '), 'cross-validation is reported before the final model');
  assert.match(out, /logistic +\d+ +\d\.\d{4}/);
  assert.match(out, /trees +\d+ +\d\.\d{4}/);
  const summary = lastJson(out) as { family: string; thresholds: { suspicious: number; bot: number }; labelled: number; crossValidation: { pooled: { accuracy: number; flaggedHumanShare: number } } };
  assert.ok(['logistic', 'trees'].includes(summary.family));
  const manifest = JSON.parse(readFileSync(join(model, 'pipeline.json'), 'utf8')) as { thresholds: { bot: number }; family: string };
  assert.equal(manifest.thresholds.bot, summary.thresholds.bot);
  assert.equal(manifest.family, summary.family);
  assert.match(out, new RegExp(`thresholds \\(stored in pipeline\\.json\\): suspicious ${summary.thresholds.suspicious.toFixed(4)}, bot ${summary.thresholds.bot.toFixed(4)}`));
  assert.ok(summary.crossValidation.pooled.flaggedHumanShare <= 0.02, `out-of-fold humans flagged ${summary.crossValidation.pooled.flaggedHumanShare}`);
  assert.ok(summary.crossValidation.pooled.accuracy >= 0.9, `out-of-fold accuracy ${summary.crossValidation.pooled.accuracy}`);

  const rows = readFileSync(oof, 'utf8').trim().split('\n').slice(1);
  assert.equal(rows.length, summary.labelled);
  const folds = new Set(rows.map((r) => r.split(',').at(-3)));
  assert.deepEqual([...folds].sort(), ['0', '1', '2']);
  // The human flag rate holds on the out-of-fold scores the file gives.
  const humans = rows.map((r) => r.split(',')).filter((r) => r.at(-2) === '0');
  const flagged = humans.filter((r) => Number(r.at(-1)) >= summary.thresholds.suspicious).length;
  assert.ok(flagged / humans.length <= 0.02, `${flagged} of ${humans.length} humans at or above ${summary.thresholds.suspicious}`);
});

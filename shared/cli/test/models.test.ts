/**
 * weir train, evaluate and score on simulated traffic: a model trained on one seed is judged on
 * another, its files explain themselves, unlabelled sessions are counted and left out, and
 * `weir score` gives the scores the streaming stages give for the same log.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { featureSetFingerprint } from '@weir/features';
import { BOT_FAMILIES, writeSimulation } from '@weir/simulator';
import { command as evaluate } from '../src/commands/evaluate.js';
import { command as score } from '../src/commands/score.js';
import { command as train } from '../src/commands/train.js';
import { lastJson, runCommand } from './run-command.js';

const dir = mkdtempSync(join(tmpdir(), 'weir-models-'));
const trainDir = join(dir, 'train');
const heldoutDir = join(dir, 'heldout');
const modelDir = join(dir, 'model');
let trained: Record<string, unknown> | undefined;

before(async () => {
  await writeSimulation({ outDir: trainDir, customers: 2, durationMs: 2 * 3_600_000, seed: 'cli-train' });
  await writeSimulation({ outDir: heldoutDir, customers: 2, durationMs: 3_600_000, seed: 'cli-heldout' });
});

async function trainedModel(): Promise<Record<string, unknown>> {
  if (trained) return trained;
  const run = await runCommand(train, ['--input', trainDir, '--out', modelDir, '--cv', '0', '--epochs', '25', '--seed', '3']);
  assert.equal(run.code, 0, run.err);
  trained = lastJson(run.out);
  // Progress per epoch goes to stderr.
  assert.match(run.err, /epoch +1\/25 +loss \d/);
  return trained;
}

test('weir train reads a weir simulate directory and writes one versioned pipeline that says what it learned from', { timeout: 300_000 }, async () => {
  const summary = await trainedModel();
  assert.match(String(summary.version), /^[0-9a-f]{16}$/);
  assert.ok(Number(summary.labelled) > 1000, `labelled sessions: ${summary.labelled}`);
  assert.equal(summary.unlabelled, 0, 'the simulator labels every session');
  assert.equal(Number(summary.bots) + Number(summary.humans), summary.labelled);
  for (const file of ['pipeline.json', 'model.json', 'weights.bin']) assert.ok(existsSync(join(modelDir, file)), file);
  const manifest = JSON.parse(readFileSync(join(modelDir, 'pipeline.json'), 'utf8')) as {
    version: string;
    fingerprint: string;
    training: { data: { labelled: number; sessionKey: string; byFamily: Record<string, number> } };
    validation: { f1: number };
  };
  assert.equal(manifest.version, summary.version);
  assert.equal(manifest.fingerprint, featureSetFingerprint);
  assert.equal(manifest.training.data.labelled, summary.labelled);
  assert.equal(manifest.training.data.sessionKey, 'ip_ua');
  assert.deepEqual(Object.keys(manifest.training.data.byFamily).sort(), ['human', ...BOT_FAMILIES].sort());
  assert.ok(manifest.validation.f1 > 0.9, `validation F1 ${manifest.validation.f1}`);
});

test('weir evaluate on a held-out seed: far better than calling everyone a bot, every metric, a report with its plots', { timeout: 300_000 }, async () => {
  await trainedModel();
  const reportDir = join(dir, 'report');
  const run = await runCommand(evaluate, ['--model', modelDir, '--input', heldoutDir, '--report', reportDir, '--quiet']);
  assert.equal(run.code, 0, run.err);
  const m = lastJson(run.out) as {
    rows: number;
    bots: number;
    f1: number;
    macroF1: number;
    rocAuc: number;
    prAuc: number;
    flaggedHumanShare: number;
    confusion: { tp: number; fp: number; tn: number; fn: number };
    recallByFamily: Record<string, number>;
  };
  const { tp, fp, tn, fn } = m.confusion;
  assert.equal(tp + fp + tn + fn, m.rows, 'the confusion matrix covers every labelled session');
  assert.equal(tp + fn, m.bots);
  // The trivial baseline: every session called a bot (recall 1, precision = the bot share).
  const botShare = m.bots / m.rows;
  const trivialF1 = (2 * botShare) / (1 + botShare);
  assert.ok(m.f1 >= 0.9 && m.f1 - trivialF1 >= 0.3, `bot F1 ${m.f1.toFixed(3)} vs ${trivialF1.toFixed(3)} for "all bots"`);
  assert.ok(m.rocAuc >= 0.97 && m.prAuc >= 0.95, `ROC AUC ${m.rocAuc}, PR AUC ${m.prAuc}`);
  assert.ok(m.flaggedHumanShare <= 0.03, `humans flagged ${m.flaggedHumanShare}`);
  assert.deepEqual(Object.keys(m.recallByFamily).sort(), [...BOT_FAMILIES].sort());
  console.log(`held-out seed: bot F1 ${m.f1.toFixed(4)} (all-bots baseline ${trivialF1.toFixed(4)}), ROC AUC ${m.rocAuc.toFixed(4)}, humans flagged ${(100 * m.flaggedHumanShare).toFixed(2)} %`);

  const html = readFileSync(join(reportDir, 'index.html'), 'utf8');
  for (const id of ['roc-curve', 'pr-curve', 'score-histogram', 'feature-importance']) {
    assert.match(html, new RegExp(`<svg[^>]*id="${id}"`), `the report holds the ${id} plot`);
  }
  assert.deepEqual(JSON.parse(readFileSync(join(reportDir, 'evaluation.json'), 'utf8')).confusion, m.confusion);
});

test('sessions without a label row are left out of every metric, and counted', { timeout: 300_000 }, async () => {
  await trainedModel();
  const rows = readFileSync(join(heldoutDir, 'labels.csv'), 'utf8').trimEnd().split('\n');
  const [header, ...body] = rows;
  const kept = body.filter((_, i) => i % 4 !== 0);
  const labels = join(dir, 'partial-labels.csv');
  writeFileSync(labels, [header, ...kept].join('\n'));
  const all = lastJson((await runCommand(evaluate, ['--model', modelDir, '--input', heldoutDir, '--quiet'])).out);
  const run = await runCommand(evaluate, ['--model', modelDir, '--input', heldoutDir, '--labels', labels, '--quiet']);
  assert.equal(run.code, 0, run.err);
  const partial = lastJson(run.out);
  assert.equal(partial.sessions, all.sessions);
  assert.ok(Number(partial.unlabelled) >= body.length - kept.length, `unlabelled ${partial.unlabelled}`);
  assert.equal(Number(partial.labelled) + Number(partial.unlabelled), partial.sessions);
  assert.equal(partial.rows, partial.labelled, 'metrics over labelled sessions only');
  assert.match(run.out, /without a label row \(left out\)/);
});

test('offline commands fail with a coded one-line error: missing model, labels that match nothing, an impossible key', { timeout: 300_000 }, async () => {
  await trainedModel();
  const missing = await runCommand(score, ['--model', join(dir, 'nope'), '--input', heldoutDir, '--out', join(dir, 'x.ndjson')]);
  assert.equal(missing.code, 1);
  assert.match(missing.err, /model directory .*nope does not exist \(WEIR_CLI_MODEL\)/);
  const strangers = join(dir, 'strangers.csv');
  writeFileSync(strangers, 'session,label\n10.9.9.9|curl/8.0,bot\n10.9.9.8|-,human\n');
  const unmatched = await runCommand(evaluate, ['--model', modelDir, '--input', heldoutDir, '--labels', strangers, '--quiet']);
  assert.equal(unmatched.code, 1);
  assert.match(unmatched.err, /none of the [\d,]+ sessions has a label in .*strangers\.csv .*check --session-key \(ip_ua\) and --labels \(WEIR_CLI_NO_LABELLED\)/);
  // A session key the log format cannot provide is a usage error, named before any reading.
  await assert.rejects(runCommand(evaluate, ['--model', modelDir, '--input', heldoutDir, '--session-key', 'field:cookie_sid']), {
    code: 'WEIR_USAGE',
    message: /session key field 'cookie_sid' is not one of its fields .*, and it logs no \$http_cookie/,
  });
});

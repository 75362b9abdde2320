/**
 * The shipped model on a real nginx log of real tools (fixtures/real-tools: sqlmap, dirb, wapiti,
 * a wget mirror, curl) and a real browser at a person's pace: every tool is called a bot and the
 * browser is not. Small, but not made by the simulator the model was trained on.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { command as evaluate } from '../src/commands/evaluate.js';
import { lastJson, runCommand } from './run-command.js';

const FIXTURE = join(import.meta.dirname, 'fixtures', 'real-tools');

test('the shipped model on a real nginx log: every attack and crawling tool is a bot, a real browser at a person\'s pace is not', { timeout: 120_000 }, async () => {
  const run = await runCommand(evaluate, ['--input', join(FIXTURE, 'access.log.gz'), '--labels', join(FIXTURE, 'labels.csv'), '--quiet']);
  assert.equal(run.code, 0, run.err);
  const m = lastJson(run.out) as { rows: number; bots: number; unlabelled: number; recall: number; flaggedHumanShare: number; confusion: { tp: number; fn: number; fp: number; tn: number } };
  console.log(`real tools: ${m.confusion.tp} of ${m.bots} tool sessions called bots, ${m.confusion.fp} of ${m.rows - m.bots} browser sessions; humans flagged ${(100 * m.flaggedHumanShare).toFixed(1)} %`);
  assert.equal(m.unlabelled, 0);
  assert.equal(m.bots, 5, 'sqlmap, dirb, wapiti, wget, curl');
  assert.equal(m.rows, 6);
  assert.equal(m.recall, 1, 'every tool caught');
  assert.equal(m.flaggedHumanShare, 0, 'the browser is not flagged');
});

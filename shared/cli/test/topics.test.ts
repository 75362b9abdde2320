/**
 * `weir topics plan | apply` on the real broker: plan changes nothing, apply creates the
 * pipeline's topics (compaction for weir.windows and the changelogs), a second apply changes
 * nothing, a config with more partitions and another retention is applied and reported, fewer
 * partitions than a topic has is a warning, not an error.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBusFromEnv, type Bus } from '@weir/stream';
import { command } from '../src/commands/topics.js';
import { lastJson, runCommand } from './run-command.js';

const run = `topics${randomBytes(3).toString('hex')}`;
let bus: Bus | undefined;
after(async () => {
  if (!bus) return;
  const ours = (await bus.admin.listTopics()).filter((t) => t.startsWith(`${run}.`) || t.startsWith(`${run}-`));
  await bus.admin.deleteTopics(ours).catch(() => undefined);
  await bus.close();
});

function configFile(config: unknown): string {
  const path = join(mkdtempSync(join(tmpdir(), 'weir-topics-')), 'topics.json');
  writeFileSync(path, JSON.stringify(config));
  return path;
}

test('weir topics: plan is a dry run, apply creates and updates, a second apply changes nothing', async () => {
  assert.ok(process.env.KAFKA_BROKERS, 'KAFKA_BROKERS is not set: run this through pnpm test');
  bus = await createBusFromEnv();
  const flags = ['--namespace', run, '--group-prefix', run];
  const ours = async () => (await bus!.admin.listTopics()).filter((t) => t.startsWith(`${run}.`) || t.startsWith(`${run}-`)).sort();

  const plan = await runCommand(command, ['plan', ...flags]);
  assert.equal(plan.code, 0, plan.err);
  const planned = lastJson(plan.out);
  // 4 pipeline topics (sessions, window-partials, windows, scores), 3 changelogs, 3 dead-letter topics.
  assert.equal((planned.created as string[]).length, 10);
  assert.ok((planned.created as string[]).includes(`${run}.weir.window-partials`), 'the window stage\'s partials topic is planned');
  assert.deepEqual(await ours(), [], 'plan creates nothing');

  const apply = await runCommand(command, ['apply', ...flags]);
  assert.equal(apply.code, 0, apply.err);
  assert.deepEqual(lastJson(apply.out).created, planned.created);
  assert.deepEqual(await ours(), [...(planned.created as string[])].sort());
  const policy = async (topic: string) => (await bus!.admin.describeTopicConfig(topic, ['cleanup.policy']))['cleanup.policy'];
  assert.equal(await policy(`${run}.weir.windows`), 'compact');
  assert.equal(await policy(`${run}-sessionize.sessions.changelog`), 'compact');
  assert.equal(await policy(`${run}-window.windows.changelog`), 'compact');
  assert.equal(await policy(`${run}-score.waiting.changelog`), 'compact');
  assert.equal(await policy(`${run}.weir.scores`), 'delete');
  assert.equal(await bus.admin.partitionCount(`${run}.weir.sessions`), 6);

  const again = await runCommand(command, ['apply', ...flags]);
  const summary = lastJson(again.out);
  assert.deepEqual([summary.created, summary.partitionsAdded, summary.configured], [[], [], []], again.out);
  assert.equal((summary.unchanged as string[]).length, 10);

  const bigger = configFile({ defaults: { partitions: 8 }, topics: { 'weir.scores': { retentionMs: 3_600_000 } } });
  const grown = await runCommand(command, ['apply', '--config', bigger, ...flags]);
  assert.equal(grown.code, 0, grown.err);
  assert.match(grown.out, new RegExp(`add partitions to ${run}\\.weir\\.sessions: 6 → 8`));
  assert.match(grown.out, new RegExp(`configure ${run}\\.weir\\.scores: retention\\.ms 604800000 → 3600000`));
  assert.equal((lastJson(grown.out).partitionsAdded as string[]).length, 10);
  assert.equal(await bus.admin.partitionCount(`${run}.weir.sessions`), 8);
  assert.equal((await bus.admin.describeTopicConfig(`${run}.weir.scores`, ['retention.ms']))['retention.ms'], '3600000');
  // The other overrides of the topic stay as they were.
  assert.equal(await policy(`${run}.weir.scores`), 'delete');

  const smaller = await runCommand(command, ['plan', '--config', configFile({ defaults: { partitions: 4 } }), ...flags]);
  assert.equal(smaller.code, 0);
  assert.equal((lastJson(smaller.out).warnings as string[]).length, 10);
  assert.match(smaller.out, /cannot remove partitions/);
});

test('weir topics: a bad config is a usage error naming the topic and the setting', async () => {
  await assert.rejects(runCommand(command, ['plan', '--config', configFile({ topics: { 'weir.windows': { partitions: 0 } } })]), /weir\.windows: partitions must be a whole number ≥ 1, not 0/);
  await assert.rejects(runCommand(command, ['plan', '--config', configFile({ topics: { 'weir.nope': {} } })]), /unknown topic "weir\.nope"/);
  await assert.rejects(runCommand(command, ['remove']), /say plan or apply/);
});

/**
 * `weir groups reset` on the real broker: a stage's group (here window's, on `<ns>.weir.sessions`)
 * with committed offsets and a changelog. Refused while a member is in the group; a dry run
 * changes nothing; --execute moves every partition to the first record at the time (or the
 * earliest, the latest) and deletes the changelog.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, test } from 'node:test';
import { createBusFromEnv, type Bus } from '@weir/stream';
import { command } from '../src/commands/groups.js';
import { lastJson, runCommand } from './run-command.js';

let bus: Bus | undefined;
const created: string[] = [];
after(async () => {
  await bus?.admin.deleteTopics(created).catch(() => undefined);
  await bus?.close();
});

function withEnv<T>(env: Record<string, string>, body: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  return body().finally(() => {
    for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
  });
}

test('weir groups reset: refused with live members, dry run by default, then to a time, the earliest and the latest, changelog included', { timeout: 120_000 }, async () => {
  assert.ok(process.env.KAFKA_BROKERS, 'KAFKA_BROKERS is not set: run with pnpm test');
  const run = `reset-${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  const env = { WEIR_BUS: 'kafka', WEIR_GROUP_PREFIX: run, WEIR_TOPIC_NAMESPACE: run };
  bus = await createBusFromEnv(undefined, { ...process.env, WEIR_BUS: 'kafka' });
  const input = `${run}.weir.sessions`;
  const changelog = `${run}-window.windows.changelog`;
  const group = `${run}-window`;
  created.push(input, changelog);
  await bus.admin.createTopics([{ topic: input, partitions: 2 }, { topic: changelog, partitions: 2, config: { 'cleanup.policy': 'compact' } }]);
  // Ten records a partition, a second apart in time: record i of each partition at base + i s.
  const base = Date.now() - 60_000;
  const producer = await bus.producer();
  for (let i = 0; i < 10; i++) {
    await producer.send([0, 1].map((partition) => ({ topic: input, partition, key: `k${i}`, value: Buffer.from(`v${i}`), timestamp: base + i * 1000 })));
  }
  await producer.send([{ topic: changelog, partition: 0, key: 'state', value: Buffer.from('{}') }]);
  await producer.close();
  await bus.admin.setCommittedOffsets(group, [{ topic: input, partition: 0, offset: 10 }, { topic: input, partition: 1, offset: 8 }]);
  const committed = async () => (await bus!.admin.fetchCommittedOffsets(group, [input])).sort((a, b) => a.partition - b.partition).map((o) => o.offset);
  const exists = async (topic: string) => (await bus!.admin.listTopics()).includes(topic);

  // A member in the group: refused, nothing changed.
  const member = bus.consumer({ groupId: group });
  await member.subscribe([input]);
  await member.run(async () => undefined);
  const refused = await withEnv(env, () => runCommand(command, ['reset', '--stage', 'window', '--to-earliest', '--execute']));
  assert.equal(refused.code, 1);
  assert.match(refused.err, new RegExp(`consumer group ${group} has 1 live member.*\\(WEIR_CLI_GROUP\\)`));
  await member.stop();
  assert.deepEqual(await committed(), [10, 8], 'a refused reset changes nothing');

  const dry = await withEnv(env, () => runCommand(command, ['reset', '--stage', 'window', '--to-time', new Date(base + 3000).toISOString()]));
  assert.equal(dry.code, 0, dry.err);
  assert.match(dry.err, new RegExp(`${group} ${input.replace(/\./g, '\\.')}\\[1\\]: 8 → 3`));
  assert.match(dry.err, /would delete changelog/);
  assert.deepEqual(lastJson(dry.out), { group, partitions: 2, moved: 2, changelogsDeleted: [], executed: false });
  assert.deepEqual(await committed(), [10, 8], 'a dry run changes nothing');
  assert.ok(await exists(changelog), 'a dry run keeps the changelog');

  const toTime = await withEnv(env, () => runCommand(command, ['reset', '--stage', 'window', '--to-time', String(base + 3000), '--execute']));
  assert.equal(toTime.code, 0, toTime.err);
  assert.deepEqual(await committed(), [3, 3], 'the first record at or after the time');
  assert.deepEqual(lastJson(toTime.out).changelogsDeleted, [changelog]);
  for (let i = 0; i < 50 && (await exists(changelog)); i++) await new Promise((r) => setTimeout(r, 200));
  assert.ok(!(await exists(changelog)), 'the changelog state is deleted');

  const latest = await withEnv(env, () => runCommand(command, ['reset', '--stage', 'window', '--to-latest', '--execute']));
  assert.equal(latest.code, 0, latest.err);
  assert.deepEqual(await committed(), [10, 10]);
  const earliest = await withEnv(env, () => runCommand(command, ['reset', '--stage', 'window', '--to-earliest', '--execute']));
  assert.equal(earliest.code, 0, earliest.err);
  assert.deepEqual(await committed(), [0, 0]);
});

test('weir groups reset: wrong arguments are usage errors', async () => {
  await assert.rejects(runCommand(command, ['reset', '--stage', 'window']), /exactly one of --to-time/);
  await assert.rejects(runCommand(command, ['reset', '--stage', 'ingest', '--to-latest']), /--stage must be one of sessionize, window, score/);
  await assert.rejects(runCommand(command, ['reset', '--stage', 'score', '--to-time', 'yesterday']), /not a time/);
});

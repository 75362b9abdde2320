/**
 * `weir es promote` on the real Elasticsearch: the read alias leaves the live index of each day
 * the backfill covers for the backfill's index of that day, in one request; other days keep theirs.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, test } from 'node:test';
import { command } from '../src/commands/es.js';
import { promotionActions } from '../src/es/promote.js';
import { lastJson, runCommand } from './run-command.js';

const es = process.env.ELASTICSEARCH_URL;
const run = `promote-${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
after(async () => {
  if (es) await fetch(`${es}/${run}-*`, { method: 'DELETE' }).catch(() => undefined);
});

async function call(method: string, path: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${es}${path}`, { method, headers: { 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  assert.ok(response.ok, `${method} ${path}: ${response.status} ${await response.clone().text()}`);
  return response.json();
}

test('promotionActions: replaces the days the backfill covers, adds nothing twice', () => {
  assert.deepEqual(
    promotionActions('live', ['bf-2026.01.02', 'bf-2026.01.03'], ['live-2026.01.01', 'live-2026.01.02', 'bf-2026.01.03']),
    [{ remove: { index: 'live-2026.01.02', alias: 'live' } }, { add: { index: 'bf-2026.01.02', alias: 'live' } }],
  );
});

test('weir es promote moves the read alias to the backfilled days, atomically', { timeout: 60_000 }, async () => {
  assert.ok(es, 'ELASTICSEARCH_URL is not set: run with pnpm test');
  const live = `${run}-live`;
  const backfill = `${run}-bf`;
  const settings = { number_of_shards: 1, number_of_replicas: 0 };
  for (const day of ['2026.01.01', '2026.01.02']) {
    await call('PUT', `/${live}-${day}`, { settings, aliases: { [live]: {} } });
    await call('PUT', `/${live}-${day}/_doc/s-${day}?refresh=true`, { source: 'live', day });
  }
  await call('PUT', `/${backfill}-2026.01.02`, { settings, aliases: { [backfill]: {} } });
  await call('PUT', `/${backfill}-2026.01.02/_doc/s-2026.01.02?refresh=true`, { source: 'backfill', day: '2026.01.02' });

  const env = { ELASTICSEARCH_URL: es, WEIR_ES_INDEX_PREFIX: live };
  const saved = process.env.WEIR_ES_INDEX_PREFIX;
  process.env.WEIR_ES_INDEX_PREFIX = env.WEIR_ES_INDEX_PREFIX;
  try {
    const result = await runCommand(command, ['promote', '--prefix', backfill]);
    assert.equal(result.code, 0, result.err);
    assert.deepEqual(lastJson(result.out), { alias: live, prefix: backfill, added: 1, removed: 1 });
    const again = await runCommand(command, ['promote', '--prefix', backfill]);
    assert.deepEqual(lastJson(again.out), { alias: live, prefix: backfill, added: 0, removed: 0 }, 'promoting twice changes nothing');
    const missing = await runCommand(command, ['promote', '--prefix', `${run}-none`]);
    assert.equal(missing.code, 1);
    assert.match(missing.err, /no index .*-none-yyyy\.MM\.dd to promote \(WEIR_CLI_ES\)/);
  } finally {
    if (saved === undefined) delete process.env.WEIR_ES_INDEX_PREFIX;
    else process.env.WEIR_ES_INDEX_PREFIX = saved;
  }
  const holders = Object.keys((await call('GET', `/_alias/${live}`)) as Record<string, unknown>).sort();
  assert.deepEqual(holders, [`${backfill}-2026.01.02`, `${live}-2026.01.01`]);
  const hits = ((await call('POST', `/${live}/_search`, { size: 10, sort: [{ 'day.keyword': 'asc' }] })) as { hits: { hits: Array<{ _source: { source: string; day: string } }> } }).hits.hits;
  assert.deepEqual(hits.map((h) => `${h._source.day} ${h._source.source}`), ['2026.01.01 live', '2026.01.02 backfill']);
});

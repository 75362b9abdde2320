import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { logsTopic } from '@weir/contracts';
import { ApiKeys, mergeKeyTables, parseKeyFile, parseKeyList, presentedKey } from '../src/api-keys.js';
import { KeyReloader } from '../src/key-reload.js';
import { auth, combinedLine, quietLogger, readTopic, testApp } from './helpers.js';

const A = 'a-key-000000000000000001';
const B = 'b-key-000000000000000002';

test('WEIR_INGEST_API_KEYS: customer:key pairs; a key may contain ":"', () => {
  const { table, problems } = parseKeyList(` acme:${A} , globex:${B}:x, acme:${B}x `);
  assert.deepEqual(problems, []);
  assert.deepEqual([...table], [
    ['acme', [A, `${B}x`]],
    ['globex', [`${B}:x`]],
  ]);
});

test('bad key entries are reported without echoing the key', () => {
  const { problems } = parseKeyList(`acme,bad id:${A},globex:short,ok:${A} space`);
  assert.equal(problems.length, 4, problems.join('\n'));
  assert.match(problems[0]!, /entry 1 is not customer:key/);
  assert.match(problems[1]!, /customer "bad id" is not a valid customer id/);
  assert.match(problems[2]!, /shorter than 16/);
  assert.match(problems[3]!, /printable ASCII/);
  for (const p of problems) assert.ok(!p.includes('short') || p.includes('shorter'), 'keys never appear in messages');
});

test('the key file: a key or a list of keys per customer', () => {
  const { table, problems } = parseKeyFile(JSON.stringify({ acme: A, globex: [B, `${B}-next`] }), 'keys.json');
  assert.deepEqual(problems, []);
  assert.deepEqual(table.get('globex'), [B, `${B}-next`]);
  assert.match(parseKeyFile('{nope', 'keys.json').problems[0]!, /keys\.json: not valid JSON/);
  assert.match(parseKeyFile('[]', 'keys.json').problems[0]!, /expected a JSON object/);
  assert.match(parseKeyFile('{"acme": [1]}', 'keys.json').problems[0]!, /not a string/);
});

test('one key for two customers is refused', () => {
  const { problems } = mergeKeyTables(new Map([['acme', [A]]]), new Map([['globex', [A]]]));
  assert.match(problems[0]!, /same API key is configured for customers "acme" and "globex"/);
});

test('customerOf finds the owner of a key, and nobody for anything else', () => {
  const keys = new ApiKeys(new Map([['acme', [A]], ['globex', [B]]]));
  assert.equal(keys.customerOf(A), 'acme');
  assert.equal(keys.customerOf(B), 'globex');
  assert.equal(keys.customerOf(A.slice(0, -1)), null);
  assert.equal(keys.customerOf(''), null);
  assert.deepEqual(keys.customers, ['acme', 'globex']);
});

test('presentedKey: Bearer first, then X-API-Key; other schemes are no key', () => {
  assert.equal(presentedKey({ authorization: `Bearer ${A}` }), A);
  assert.equal(presentedKey({ authorization: `bearer  ${A} ` }), A);
  assert.equal(presentedKey({ authorization: `Bearer ${A}`, 'x-api-key': B }), A);
  assert.equal(presentedKey({ 'x-api-key': B }), B);
  assert.equal(presentedKey({ authorization: `Basic ${A}` }), null);
  assert.equal(presentedKey({}), null);
});

const dir = mkdtempSync(join(tmpdir(), 'weir-ingest-keys-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('key rotation: the reloaded file takes effect without a restart; a broken file keeps the old keys', async () => {
  const path = join(dir, 'keys.json');
  const initial = JSON.stringify({ acme: A });
  writeFileSync(path, initial);
  const keys = new ApiKeys(parseKeyFile(initial, path).table);
  const t = testApp({ keys });
  const reloader = new KeyReloader({ path, initialText: initial, envKeys: new Map([['globex', [B]]]), keys, intervalMs: 60_000, logger: quietLogger() });
  const post = (key: string) =>
    t.app.inject({ method: 'POST', url: '/v1/logs', headers: { ...auth(key), 'content-type': 'text/plain' }, payload: combinedLine('192.0.2.1', 'ua') });
  try {
    assert.equal((await post(A)).statusCode, 200);
    const rotated = `${A}-rotated`;
    writeFileSync(path, JSON.stringify({ acme: [rotated] }));
    await reloader.poll();
    assert.equal((await post(A)).statusCode, 401, 'the old key no longer works');
    assert.equal((await post(rotated)).statusCode, 200);
    assert.equal((await post(B)).statusCode, 200, 'keys from the environment stay');

    writeFileSync(path, '{"acme": ');
    await reloader.poll();
    assert.equal((await post(rotated)).statusCode, 200, 'a half-written file changes nothing');
    rmSync(path);
    await reloader.poll();
    assert.equal((await post(rotated)).statusCode, 200, 'nor does a missing one');
    assert.equal((await readTopic(t.bus, t.serde, logsTopic('acme'))).length, 4);
  } finally {
    await reloader.stop();
    await t.close();
  }
});

/**
 * A fault test's private servers never use ports another checkout's servers hold: they move to
 * the next free base. No server is started: which ports answer is given.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { freeBase, portsAt } from './private-servers.js';

test('each server binds its main port and its companions at fixed offsets from the base', () => {
  assert.deepEqual(portsAt(21000, ['kafka']), [21000, 21001, 21002]);
  assert.ok(portsAt(21400, ['elasticsearch']).includes(21440), `Elasticsearch at base+40: ${portsAt(21400, ['elasticsearch'])}`);
  assert.ok(portsAt(21600, ['registry']).includes(21620), `the registry at base+20: ${portsAt(21600, ['registry'])}`);
});

test('the base is kept when its ports are free, and moved past every base with a port taken', async () => {
  const none = async () => false;
  assert.equal(await freeBase(21400, ['elasticsearch'], none), 21400);
  // Another checkout's Elasticsearch on 21440, and a stray listener on the next base's transport port.
  const taken = new Set([21440, portsAt(23400, ['elasticsearch']).at(-1)!]);
  assert.equal(await freeBase(21400, ['elasticsearch'], async (port) => taken.has(port)), 25400);
});

test('no free base in reach fails, saying so', async () => {
  await assert.rejects(freeBase(21000, ['kafka'], async () => true), /no free ports for private kafka from 21000/);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { topicsToSubscribe, TopicWatcher } from '../src/kafka/topic-watcher.js';
import { silentLogger } from '../src/log.js';

test('topicsToSubscribe: pattern or names, only existing and not yet subscribed', () => {
  const existing = ['weir.logs.b', 'weir.logs.a', 'weir.sessions', 'weir.logs.c'];
  assert.deepEqual(topicsToSubscribe(/^weir\.logs\..+$/, existing, new Set(['weir.logs.c'])), ['weir.logs.a', 'weir.logs.b']);
  assert.deepEqual(topicsToSubscribe(['weir.sessions', 'weir.windows'], existing, new Set()), ['weir.sessions']);
});

test('the watcher never runs two checks at once, and stop waits for the one in progress', async () => {
  let running = 0;
  let most = 0;
  let finished = 0;
  const watcher = new TopicWatcher(
    5,
    async () => {
      running++;
      most = Math.max(most, running);
      await new Promise((r) => setTimeout(r, 30));
      running--;
      finished++;
    },
    silentLogger(),
  );
  watcher.start();
  await new Promise((r) => setTimeout(r, 100));
  await watcher.stop();
  const after = finished;
  assert.equal(most, 1);
  assert.equal(running, 0);
  assert.ok(after >= 2);
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(finished, after, 'no check after stop');
});

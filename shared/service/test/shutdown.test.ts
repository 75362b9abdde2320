import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { test } from 'node:test';
import { pino } from 'pino';
import { gracefulShutdown, type ShutdownHost } from '../src/index.js';

const quiet = pino({ level: 'silent' });

class FakeProcess extends EventEmitter implements ShutdownHost {
  readonly exits: number[] = [];
  exit(code: number): void {
    this.exits.push(code);
  }
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

test('SIGTERM runs the steps in order, once, then exits 0', async () => {
  const host = new FakeProcess();
  const done: string[] = [];
  const shutdown = gracefulShutdown(
    [
      { name: 'drain', run: () => void done.push('drain') },
      { name: 'close http', run: async () => void done.push('close http') },
      { name: 'close bus', run: async () => void done.push('close bus') },
    ],
    { logger: quiet, host },
  );
  host.emit('SIGTERM', 'SIGTERM');
  const code = await shutdown.shutdown('again');
  assert.equal(code, 0);
  assert.deepEqual(done, ['drain', 'close http', 'close bus']);
  assert.deepEqual(host.exits, [0]);
  assert.equal(host.listenerCount('SIGTERM'), 0, 'listeners removed');
});

test('a failing step does not stop the next ones, and the exit code says it failed', async () => {
  const host = new FakeProcess();
  const done: string[] = [];
  const shutdown = gracefulShutdown(
    [
      { name: 'broken', run: async () => Promise.reject(new Error('producer gone')) },
      { name: 'close', run: () => void done.push('close') },
    ],
    { logger: quiet, host },
  );
  assert.equal(await shutdown.shutdown('test'), 1);
  assert.deepEqual(done, ['close']);
  assert.deepEqual(host.exits, [1]);
});

test('a step that hangs is cut off by the timeout', async () => {
  const host = new FakeProcess();
  const shutdown = gracefulShutdown([{ name: 'hangs', run: () => new Promise(() => undefined) }], {
    logger: quiet,
    host,
    timeoutMs: 50,
  });
  assert.equal(await shutdown.shutdown('test'), 1);
  assert.deepEqual(host.exits, [1]);
});

test('a second signal during shutdown exits at once', async () => {
  const host = new FakeProcess();
  let release: () => void = () => undefined;
  const shutdown = gracefulShutdown([{ name: 'slow', run: () => new Promise<void>((r) => (release = r)) }], { logger: quiet, host });
  host.emit('SIGINT', 'SIGINT');
  await tick();
  host.emit('SIGINT', 'SIGINT');
  assert.deepEqual(host.exits, [1]);
  release();
  await shutdown.shutdown('x');
});

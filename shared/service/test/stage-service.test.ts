import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';

const fixture = join(import.meta.dirname, 'fixtures', 'stage-service.ts');
/** The bound of the stop that hangs. */
const SHUTDOWN_MS = 1500;
/** The bound of the stop that ends: far past it, so that a busy CPU cannot make it look cut short. */
const GENEROUS_SHUTDOWN_MS = 60_000;
/**
 * A process not running its stage this long after its start (loading modules on a saturated
 * machine is slow), or not gone this long after SIGTERM, is killed: the test fails, not hangs.
 */
const START_LIMIT_MS = 300_000;
const KILL_AFTER_MS = 120_000;

/** Starts the fixture, sends SIGTERM once its stage runs, and reports how the process ended. */
function stopFixture(stop: 'ends' | 'hangs', shutdownMs: number): Promise<{ code: number | null; signal: NodeJS.Signals | null; log: string; stopMs: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', fixture], {
      env: { ...process.env, WEIR_BUS: 'embedded', WEIR_LOG_LEVEL: 'info', FIXTURE_STOP: stop, FIXTURE_SHUTDOWN_MS: String(shutdownMs) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let log = '';
    let sentAt = 0;
    let killer = setTimeout(() => child.kill('SIGKILL'), START_LIMIT_MS);
    const collect = (chunk: string) => {
      log += chunk;
      if (sentAt === 0 && log.includes('"msg":"fixture running"')) {
        sentAt = performance.now();
        child.kill('SIGTERM');
        clearTimeout(killer);
        killer = setTimeout(() => child.kill('SIGKILL'), KILL_AFTER_MS);
      }
    };
    child.stdout.setEncoding('utf8').on('data', collect);
    child.stderr.setEncoding('utf8').on('data', collect);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(killer);
      resolve({ code, signal, log, stopMs: performance.now() - sentAt });
    });
  });
}

test('a stage service whose stop ends exits 0 on SIGTERM', async () => {
  const { code, signal, log } = await stopFixture('ends', GENEROUS_SHUTDOWN_MS);
  assert.deepEqual({ code, signal }, { code: 0, signal: null }, log);
  assert.doesNotMatch(log, /not finished within WEIR_SHUTDOWN_TIMEOUT/);
});

test('a stage service whose stop hangs (a broker that stopped answering) exits 1 once WEIR_SHUTDOWN_TIMEOUT has passed, saying why', async () => {
  const { code, signal, log, stopMs } = await stopFixture('hangs', SHUTDOWN_MS);
  assert.deepEqual({ code, signal }, { code: 1, signal: null }, log);
  assert.match(log, /"msg":"graceful stop not finished within WEIR_SHUTDOWN_TIMEOUT: exiting/);
  // Not before the bound: the stop had that long to finish.
  assert.ok(stopMs >= SHUTDOWN_MS - 50, `exited ${Math.round(stopMs)} ms after SIGTERM, bound ${SHUTDOWN_MS} ms`);
});

/**
 * `weir start` when its dashboard port is taken (say, by another `weir start`): one line that
 * names the port and how to pick another, a non-zero exit, and no hang.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';

const root = join(import.meta.dirname, '..', '..', '..');

test('a port in use: one line saying so and naming --port, exit 1, no hang', { timeout: 120_000 }, async () => {
  const taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  const { port } = taken.address() as AddressInfo;
  try {
    const child = spawn(process.execPath, ['--import', 'tsx', 'shared/cli/src/main.ts', 'start', '--port', String(port), '--duration', '30s'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    // No hang: the process ends by itself (the test's timeout fails it otherwise).
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    assert.equal(code, 1, stdout + stderr);
    const lines = stderr.trim().split('\n');
    assert.equal(lines.length, 1, `one line, no stack trace:\n${stderr}`);
    assert.match(lines[0]!, new RegExp(`port ${port} on 127\\.0\\.0\\.1 is in use.*--port`));
    assert.doesNotMatch(stdout, /dashboard at/);
  } finally {
    taken.close();
  }
});

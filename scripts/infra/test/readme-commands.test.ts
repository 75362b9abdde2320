/**
 * The README's "Running the services on Kafka" commands work as written: `eval "$(pnpm -s
 * infra:up)"` exports the client variables, so a service started from that shell finds Kafka
 * and the registry and becomes ready. Runs the README's own lines (read from the file), in bash,
 * from an environment without those variables.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';

// Bounds on a hang, not on speed: a service is ready in seconds and stops within its own
// shutdown timeout (25 s by default), even on a busy machine.
const READY_WITHIN_MS = 180_000;
const STOP_WITHIN_MS = 60_000;

const root = join(import.meta.dirname, '..', '..', '..');

function readmeBlock(heading: string): string[] {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const section = readme.split(heading)[1];
  assert.ok(section, `README.md has no "${heading}" section`);
  const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1];
  assert.ok(block, `the "${heading}" section has no sh block`);
  return block.split('\n').filter((line) => line.trim() !== '');
}

function parseJson(line: string): { msg?: string; url?: string } | undefined {
  try {
    return JSON.parse(line) as { msg?: string; url?: string };
  } catch {
    return undefined; // not a log line of the service's: kept in the output shown on failure
  }
}

test('eval "$(pnpm -s infra:up)" then a service started from that shell becomes ready on Kafka', async () => {
  const lines = readmeBlock('## Running the services on Kafka');
  const evalLine = lines.find((l) => l.startsWith('eval "$(pnpm -s infra:up)"'));
  const serviceLine = lines.find((l) => l.includes('services/sessionize/src/main.ts'));
  assert.ok(evalLine && serviceLine, `README block lacks the eval or the sessionize line:\n${lines.join('\n')}`);
  // The README backgrounds each service with `&`; here the one service runs in the foreground.
  const script = `set -e\n${evalLine}\nexec ${serviceLine.replace(/&\s*$/, '')}`;

  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of ['KAFKA_BROKERS', 'SCHEMA_REGISTRY_URL', 'ELASTICSEARCH_URL']) delete env[name];
  const run = randomUUID().slice(0, 8);
  Object.assign(env, { PORT: '0', WEIR_TOPIC_NAMESPACE: `readme${run}`, WEIR_GROUP_PREFIX: `readme${run}`, WEIR_LOGS_TOPIC_PATTERN: `^weir\\.logs\\.readme${run}-.+$` });

  const child = spawn('bash', ['-c', script], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  // Every stdout line is read to the end: a pipe nobody reads fills up, and the service then
  // blocks on its next log line.
  const logLines: string[] = [];
  const listening = new Promise<string | undefined>((resolve) => {
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      logLines.push(line);
      const parsed = parseJson(line);
      if (parsed?.msg === 'listening') resolve(parsed.url);
    });
    lines.on('close', () => resolve(undefined));
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const output = () => `stdout:\n${logLines.slice(-30).join('\n')}\nstderr:\n${stderr}`;
  try {
    const url = await Promise.race([listening, sleep(READY_WITHIN_MS).then(() => undefined)]);
    assert.ok(url, `the service never listened; ${output()}`);
    // Ready means Kafka and the registry answered from the variables the eval exported.
    let ready = false;
    const readyBy = Date.now() + READY_WITHIN_MS;
    while (!ready && child.exitCode === null && Date.now() < readyBy) {
      const response = await fetch(`${url}/readyz`).catch(() => undefined);
      ready = response?.status === 200;
      if (!ready) await sleep(200);
    }
    assert.equal(ready, true, `the service was not ready within ${READY_WITHIN_MS / 1000} s or exited; ${output()}`);
  } finally {
    child.kill('SIGTERM');
  }
  // A stage stopped as it starts must still end: one used to run on, /readyz "draining", for ever.
  const code = await Promise.race([exited, sleep(STOP_WITHIN_MS).then(() => 'running' as const)]);
  if (code === 'running') child.kill('SIGKILL');
  assert.equal(code, 0, `the service did not stop cleanly within ${STOP_WITHIN_MS / 1000} s of SIGTERM; ${output()}`);
});

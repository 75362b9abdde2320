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

const root = join(import.meta.dirname, '..', '..', '..');

function readmeBlock(heading: string): string[] {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const section = readme.split(heading)[1];
  assert.ok(section, `README.md has no "${heading}" section`);
  const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1];
  assert.ok(block, `the "${heading}" section has no sh block`);
  return block.split('\n').filter((line) => line.trim() !== '');
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
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  try {
    let url: string | undefined;
    for await (const line of createInterface({ input: child.stdout })) {
      const parsed = JSON.parse(line) as { msg?: string; url?: string };
      if (parsed.msg === 'listening') {
        url = parsed.url;
        break;
      }
    }
    assert.ok(url, `the service never listened; stderr:\n${stderr}`);
    // Ready means Kafka and the registry answered from the variables the eval exported.
    let ready = false;
    while (!ready && child.exitCode === null) {
      const response = await fetch(`${url}/readyz`).catch(() => undefined);
      ready = response?.status === 200;
      if (!ready) await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal(ready, true, `the service exited before it was ready; stderr:\n${stderr}`);
  } finally {
    child.kill('SIGTERM');
  }
  assert.equal(await exited, 0, `the service did not stop cleanly on SIGTERM; stderr:\n${stderr}`);
});

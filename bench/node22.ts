/**
 * Bench runs that need Node 22 (@platformatic/kafka needs >= 22.22; the project runs on 20):
 * a child process on the Node 22 that scripts/node22.sh fetches from npm.
 */
import { execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
let binary: string | null = null;

function node22(): string {
  binary ??= execFileSync('bash', [join(root, 'scripts', 'node22.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
  return binary;
}

/** One bare relay on `client` in a Node 22 child (bench/relay-child.ts) over `minutes` of the bench's simulated traffic. */
export function relayOnNode22(client: string, minutes: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(node22(), ['--import', 'tsx', join(root, 'bench', 'relay-child.ts'), client], {
      cwd: root,
      env: { ...process.env, WEIR_BENCH_MINUTES: String(minutes) },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      const last = out.trim().split('\n').pop() ?? '';
      try {
        const { recordsPerSecond } = JSON.parse(last) as { recordsPerSecond: unknown };
        if (code === 0 && typeof recordsPerSecond === 'number') return resolve(recordsPerSecond);
      } catch {
        // reported below, with what the child printed
      }
      reject(new Error(`relay on ${client} (Node 22 child) exited with ${code}: ${JSON.stringify(last)}`));
    });
  });
}

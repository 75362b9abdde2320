/**
 * `pnpm test [file-or-dir ...]`: type-checks, makes sure the real servers are up (starting them
 * when they are not), then runs every test file with Node's test runner against them.
 * Flags among the arguments go to the test runner: `pnpm test faults/kill-loop.test.ts --
 * --test-name-pattern exactly-once` runs that file's exactly-once test only (pnpm takes the
 * flags before `--` as its own).
 * Set WEIR_TEST_INFRA=skip to run only the tests that need no server (they then fail loudly
 * if they do need one: nothing is skipped silently).
 * Files named *.node22.test.ts run on Node 22 (scripts/node22.sh fetches it from npm): the
 * @platformatic/kafka bus adapter needs Node >= 22.22, the project runs on Node 20.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ensureInfra } from './infra/ensure.js';
import { ensureTools } from './tools.js';

const root = join(import.meta.dirname, '..');

function testFiles(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...testFiles(path));
    else if (entry.name.endsWith('.test.ts')) found.push(path);
  }
  return found;
}

function selectedFiles(args: string[]): string[] {
  const roots = args.length > 0 ? args : ['shared', 'services', 'scripts', 'helm', 'faults'];
  return roots
    .flatMap((arg) => {
      const path = join(root, arg);
      return statSync(path).isDirectory() ? testFiles(path) : [path];
    })
    .map((path) => relative(root, path))
    .sort();
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv): number {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env });
  return result.status ?? 1;
}

/** Node test-runner flags that take the next argument as their value (`--test-name-pattern exactly-once`). */
const VALUE_FLAGS = new Set(['--test-name-pattern']);

/** Files and directories to run, and the flags (`--test-name-pattern ...`) passed on to node's test runner. */
function splitArgs(argv: string[]): { paths: string[]; flags: string[] } {
  const paths: string[] = [];
  const flags: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') continue;
    if (!arg.startsWith('--')) paths.push(arg);
    else if (VALUE_FLAGS.has(arg) && i + 1 < argv.length) flags.push(arg, argv[++i]!);
    else flags.push(arg);
  }
  return { paths, flags };
}

const { paths, flags } = splitArgs(process.argv.slice(2));
const files = selectedFiles(paths);

if (run('pnpm', ['-s', 'typecheck'], process.env) !== 0) {
  console.error('type-check failed');
  process.exit(1);
}

const infraEnv = process.env.WEIR_TEST_INFRA === 'skip' ? {} : await ensureInfra({ log: (line) => console.log(line) });
const log = (line: string) => console.log(line);
const env = { ...process.env, ...infraEnv, ...(process.env.WEIR_TEST_INFRA === 'skip' ? {} : ensureTools(log)) };
// --test-force-exit: a test file's process ends once its tests have, even if a failed test left
// a client behind, so the failure is reported, never a run that hangs until CI's limit. The leak
// it was added for is fixed (a kafkajs consumer stopped mid-join went on fetching:
// shared/stream/test/kafka-consumer-stop.test.ts); it stays for the ones nobody has seen yet.
// --test-timeout: no test may hang the run. The runner prints a file's results only once every
// file before it has ended, so one test waiting for ever hid the whole rest of the run until
// CI's limit killed it (a service stopped during its start that never exited). 20 minutes is far
// past the longest test (the Kubernetes cluster's, about 2 minutes), so it bounds hangs, not speed.
const testArgs = ['--import', 'tsx', '--test', '--test-force-exit', '--test-timeout=1200000', '--test-reporter=spec', '--test-concurrency=2', ...flags];
const onNode22 = files.filter((f) => f.endsWith('.node22.test.ts'));
const onNode20 = files.filter((f) => !onNode22.includes(f));
let code = onNode20.length > 0 ? run(process.execPath, [...testArgs, ...onNode20], env) : 0;
if (onNode22.length > 0) {
  const node22 = spawnSync('bash', [join(root, 'scripts', 'node22.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (node22.status !== 0) {
    console.error('scripts/node22.sh found no Node 22: the *.node22.test.ts files cannot run');
    code ||= 1;
  } else {
    console.log(`on ${node22.stdout.trim()}: ${onNode22.join(' ')}`);
    const node22Code = run(node22.stdout.trim(), [...testArgs, ...onNode22], env);
    code ||= node22Code;
  }
}
process.exit(code);

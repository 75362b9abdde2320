/**
 * `pnpm chaos`: the long variants of the fault campaign (WEIR_CHAOS=long): the broker stopped for
 * a minute, the registry frozen 60 s, Elasticsearch down 2 minutes, ten SIGKILLs per stage under
 * at-least-once and exactly-once, and the crash tests with a CPU hog. Progress lines as each test goes; at the end a table of every fault with its
 * measured recovery, the sessions compared and the outcome. `pnpm chaos [file ...]` runs only
 * those test files; `--test-name-pattern=...` (any `--test-*` option) goes to node's test runner. Uses the servers `pnpm test` uses (started if needed); the faults that stop
 * a server start private ones. Each test file's whole output goes to `.infra/chaos/<file>.log`; a
 * failure prints its own message (the spec reporter's error block) and that log's path.
 */
import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, readdirSync } from 'node:fs';
import { once } from 'node:events';
import { basename, join, relative } from 'node:path';
import { createInterface } from 'node:readline';
import { ensureInfra } from '../scripts/infra/ensure.js';

const root = join(import.meta.dirname, '..');
const args = process.argv.slice(2).filter((a) => a !== '--');
// Node test runner options (`--test-name-pattern=at-least-once`) go to every file's run.
const runnerArgs = args.filter((a) => a.startsWith('--test-'));
const fileArgs = args.filter((a) => !a.startsWith('--test-'));
const files = fileArgs.length > 0 ? fileArgs : [
  // *.chaos.ts: faults run here only, not in `pnpm test` (see each file for why).
  ...readdirSync(import.meta.dirname).filter((f) => f.endsWith('.test.ts') || f.endsWith('.chaos.ts')).map((f) => relative(root, join(import.meta.dirname, f))),
  'services/sessionize/test/crash.test.ts',
];

interface Row {
  fault: string;
  recovery: string;
  sessions: string;
  outcome: string;
  seconds: string;
}

const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(0).padStart(5)} s`;
const log = (line: string) => process.stderr.write(`[chaos ${elapsed()}] ${line}\n`);
const servers = await ensureInfra({ log });
const logDir = join(root, '.infra', 'chaos');
mkdirSync(logDir, { recursive: true });
const rows: Row[] = [];
const failures: string[] = [];

for (const [index, file] of files.entries()) {
  log(`(${index + 1}/${files.length}) ${file}`);
  const child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', ...runnerArgs, file], {
    cwd: root,
    env: { ...process.env, ...servers, WEIR_CHAOS: 'long' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const logPath = join(logDir, `${basename(file)}.log`);
  const logFile = createWriteStream(logPath);
  const keep = (line: string) => {
    output.push(line);
    logFile.write(`${line}\n`);
  };
  createInterface({ input: child.stdout! }).on('line', (line) => {
    keep(line);
    // The tests' own progress lines ([fault ...]): the spec reporter forwards a test file's
    // stderr to its stdout.
    if (line.startsWith('[fault')) log(`  ${line}`);
    else if (line.startsWith('FAULT-RESULT ')) {
      const r = JSON.parse(line.slice('FAULT-RESULT '.length)) as Record<string, string | number>;
      rows.push({ fault: String(r.fault), recovery: String(r.recovery ?? ''), sessions: String(r.sessions ?? ''), outcome: `pass (largest score difference ${r.largestDiff ?? 0})`, seconds: String(r.seconds ?? '') });
    } else if (/^[✔✖] /.test(line)) {
      log(`  ${line}`);
      // The spec reporter repeats each failure under its "failing tests:" summary: one row each.
      if (line === '✖ failing tests:' || failures.includes(`${file}: ${line}`)) return;
      if (line.startsWith('✖')) {
        failures.push(`${file}: ${line}`);
        rows.push({ fault: line.slice(2, 90), recovery: '', sessions: '', outcome: 'FAIL', seconds: '' });
      } else if (file.endsWith('crash.test.ts')) {
        rows.push({ fault: line.slice(2).replace(/ \(\d+(\.\d+)?ms\)$/, ''), recovery: '', sessions: '', outcome: 'pass', seconds: (Number(/\((\d+(?:\.\d+)?)ms\)$/.exec(line)?.[1] ?? 0) / 1000).toFixed(0) });
      }
    }
  });
  createInterface({ input: child.stderr! }).on('line', (line) => {
    keep(line);
    if (line.startsWith('[fault')) log(`  ${line}`);
  });
  // 'close', not 'exit': every line of both pipes has been read by then.
  const [code] = (await once(child, 'close')) as [number | null];
  logFile.end();
  await once(logFile, 'close');
  if (code !== 0) {
    if (!failures.some((f) => f.startsWith(file))) failures.push(`${file}: exit ${code}`);
    process.stderr.write(`${failureReport(output)}\n${file}: whole output in ${relative(process.cwd(), logPath)}\n`);
  }
}

/**
 * The spec reporter's own account of the failures: the block under its closing "✖ failing
 * tests:" line (each failed test with its error: the assert message, the diff, the stack), without
 * the service log lines a test or its hooks printed meanwhile. The output's end when it has no
 * such block (the file's process died before its report).
 */
function failureReport(output: string[]): string {
  const start = output.lastIndexOf('✖ failing tests:');
  if (start < 0) return output.slice(-60).join('\n');
  // The block's lines: "test at file:line:col", "✖ name (ms)", and the indented error under it.
  const block = output.slice(start).filter((line) => line === '' || line.startsWith('test at ') || line.startsWith('✖ ') || /^\s/.test(line));
  const LIMIT = 200;
  return block.length <= LIMIT ? block.join('\n') : [...block.slice(0, LIMIT), `  ... ${block.length - LIMIT} more lines`].join('\n');
}

const headers: Row = { fault: 'fault', recovery: 'recovery', sessions: 'sessions', outcome: 'outcome', seconds: 'seconds' };
const keys = Object.keys(headers) as Array<keyof Row>;
const widths = keys.map((k) => Math.max(headers[k].length, ...rows.map((r) => r[k].length)));
const format = (row: Row) => `| ${keys.map((k, i) => row[k].padEnd(widths[i]!)).join(' | ')} |`;
console.log(`\nfault campaign (long variants), ${elapsed().trim()}:`);
console.log(format(headers));
console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
for (const row of rows) console.log(format(row));
if (failures.length > 0) {
  console.log(`\n${failures.length} failed:\n${failures.join('\n')}`);
  process.exit(1);
}

/**
 * `pnpm chaos`: the long variants of the fault campaign (WEIR_CHAOS=long): the broker stopped for
 * a minute, the registry frozen 60 s, Elasticsearch down 2 minutes, ten SIGKILLs per stage under
 * at-least-once and exactly-once, and the crash tests with a CPU hog. Progress lines as each test goes; at the end a table of every fault with its
 * measured recovery, the sessions compared and the outcome. `pnpm chaos [file ...]` runs only
 * those test files. Uses the servers `pnpm test` uses (started if needed); the faults that stop
 * a server start private ones.
 */
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { createInterface } from 'node:readline';
import { ensureInfra } from '../scripts/infra/ensure.js';

const root = join(import.meta.dirname, '..');
const args = process.argv.slice(2).filter((a) => a !== '--');
const files = args.length > 0 ? args : [
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
const rows: Row[] = [];
const failures: string[] = [];

for (const [index, file] of files.entries()) {
  log(`(${index + 1}/${files.length}) ${file}`);
  const child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', file], {
    cwd: root,
    env: { ...process.env, ...servers, WEIR_CHAOS: 'long' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => {
    output.push(line);
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
    if (line.startsWith('[fault')) log(`  ${line}`);
    else output.push(line);
  });
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  if (code !== 0) {
    // The failure's message and the services' last lines are in the test's own output.
    if (!failures.some((f) => f.startsWith(file))) failures.push(`${file}: exit ${code}`);
    process.stderr.write(output.slice(-60).join('\n') + '\n');
  }
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

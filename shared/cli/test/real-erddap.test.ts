/**
 * The shipped model on one day of a real public website's access log (fixtures/real-erddap: an
 * ERDDAP server of ocean data, from the example data of the PyPI package erddaplogs, MIT), never
 * seen in training. Its labels are weak: what each user agent declares. The bar: the sessions that
 * declare themselves scripts or crawlers are flagged (suspicious or bot) and the others mostly not,
 * as logged and as a log that records no referrer and no byte count shows them (the fields the
 * simulator always has).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { ScoreRecord } from '@weir/contracts';
import { command as score } from '../src/commands/score.js';
import { labelKeyOf, readLabels } from '../src/offline/labels.js';
import { runCommand } from './run-command.js';

const FIXTURE = join(import.meta.dirname, 'fixtures', 'real-erddap');
const BARE_FORMAT = '$remote_addr [$time_local] "$request" $status "$http_user_agent"';

interface Figures {
  sessions: number;
  declared: number;
  declaredFlagged: number;
  undeclared: number;
  undeclaredFlagged: number;
}

async function flagged(input: string, format: string, dir: string): Promise<Figures> {
  const out = join(dir, `${format === 'combined' ? 'logged' : 'bare'}.ndjson`);
  const run = await runCommand(score, ['--input', input, '--format', format, '--out', out, '--quiet']);
  assert.equal(run.code, 0, run.err);
  assert.match(run.out, /\(customer access\): 760 lines: 760 parsed, 0 rejected/);
  const labels = await readLabels([join(FIXTURE, 'labels.csv')]);
  const scores = readFileSync(out, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as ScoreRecord);
  const f: Figures = { sessions: scores.length, declared: 0, declaredFlagged: 0, undeclared: 0, undeclaredFlagged: 0 };
  for (const s of scores) {
    const label = labels.get(labelKeyOf(s));
    assert.ok(label, `session ${s.sessionKey} has a label row`);
    const isFlagged = s.label !== 'human';
    if (label.bot) {
      f.declared++;
      if (isFlagged) f.declaredFlagged++;
    } else {
      f.undeclared++;
      if (isFlagged) f.undeclaredFlagged++;
    }
  }
  return f;
}

function report(what: string, f: Figures): void {
  const pct = (a: number, b: number) => `${((100 * a) / b).toFixed(1)} %`;
  console.log(
    `real ERDDAP day, ${what}: ${f.sessions} sessions, ${pct(f.declaredFlagged + f.undeclaredFlagged, f.sessions)} flagged; ` +
      `declared scripts and crawlers ${f.declaredFlagged} of ${f.declared} (${pct(f.declaredFlagged, f.declared)}), ` +
      `undeclared ${f.undeclaredFlagged} of ${f.undeclared} (${pct(f.undeclaredFlagged, f.undeclared)})`,
  );
}

function holdsTheBar(f: Figures): void {
  assert.ok(f.declared >= 50 && f.undeclared >= 10, `both kinds present: ${JSON.stringify(f)}`);
  assert.ok(f.declaredFlagged / f.declared >= 0.85, `declared automation flagged: ${f.declaredFlagged} of ${f.declared}`);
  assert.ok(f.undeclaredFlagged / f.undeclared <= 0.15, `undeclared flagged: ${f.undeclaredFlagged} of ${f.undeclared}`);
}

test('the shipped model on a real public website\'s log: sessions that declare automation are flagged, the others mostly not, with and without referrer and byte count', { timeout: 180_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'weir-real-erddap-'));
  const logged = await flagged(join(FIXTURE, 'access.log.gz'), 'combined', dir);
  report('as logged', logged);
  holdsTheBar(logged);

  // The same requests as a server that logs neither referrer nor byte count would have written them.
  const bare = gunzipSync(readFileSync(join(FIXTURE, 'access.log.gz')))
    .toString('utf8')
    .trimEnd()
    .split('\n')
    .map((line) => {
      const m = /^(\S+) \S+ \S+ \[([^\]]+)\] "((?:[^"\\]|\\.)*)" (\d{3}) \S+ "(?:[^"\\]|\\.)*" "(.*)"$/.exec(line);
      assert.ok(m, `a combined line: ${line}`);
      return `${m[1]} [${m[2]}] "${m[3]}" ${m[4]} "${m[5]}"`;
    });
  writeFileSync(join(dir, 'access.log'), bare.join('\n') + '\n');
  const unlogged = await flagged(join(dir, 'access.log'), BARE_FORMAT, dir);
  report('without referrer and byte count', unlogged);
  assert.equal(unlogged.sessions, logged.sessions, 'the same sessions');
  holdsTheBar(unlogged);
});

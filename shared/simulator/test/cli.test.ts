import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseSimulateArgs } from '../../cli/src/commands/simulate.js';
import { UsageError } from '../../cli/src/command.js';
import { BOT_FAMILIES, DEFAULT_START } from '../src/index.js';

const root = join(import.meta.dirname, '..', '..', '..');

describe('weir simulate flags', () => {
  it('has defaults for everything but --out', () => {
    const o = parseSimulateArgs(['--out', 'x']);
    assert.equal(o.outDir, 'x');
    assert.equal(o.customers, 3);
    assert.equal(o.durationMs, 3_600_000);
    assert.equal(o.start, DEFAULT_START);
    assert.equal(o.seed, '1');
    assert.equal(o.botShare, 0.3);
    assert.deepEqual(o.families, [...BOT_FAMILIES]);
    assert.deepEqual(o.utcOffsets, [0]);
  });

  it('reads every flag', () => {
    const o = parseSimulateArgs([
      '--out', 'd', '--customers', '5', '--duration', '2h', '--seed', 'abc', '--start', '2025-06-01T00:00:00Z',
      '--rate', '2.5', '--bot-share', '0.5', '--families', 'scraper,vuln_scanner', '--timezone', '+0100,-05:00', '--quiet',
    ]);
    assert.equal(o.customers, 5);
    assert.equal(o.durationMs, 7_200_000);
    assert.equal(o.seed, 'abc');
    assert.equal(o.start, Date.UTC(2025, 5, 1));
    assert.equal(o.ratePerMinute, 2.5);
    assert.equal(o.botShare, 0.5);
    assert.deepEqual(o.families, ['scraper', 'vuln_scanner']);
    assert.deepEqual(o.utcOffsets, [60, -300]);
    assert.equal(o.quiet, true);
  });

  it('rejects bad flags with a UsageError', () => {
    const bad = [
      [],
      ['--out', 'd', '--bogus'],
      ['--out', 'd', 'stray'],
      ['--out', 'd', '--customers', '0'],
      ['--out', 'd', '--customers', '1.5'],
      ['--out', 'd', '--duration', '10'],
      ['--out', 'd', '--bot-share', '1.2'],
      ['--out', 'd', '--rate', '0'],
      ['--out', 'd', '--families', 'scraper,robots'],
      ['--out', 'd', '--families', ''],
      ['--out', 'd', '--start', '2025-03-04T09:00:00'],
      ['--out', 'd', '--timezone', 'Mars/Olympus'],
    ];
    for (const argv of bad) assert.throws(() => parseSimulateArgs(argv), UsageError, argv.join(' '));
  });

  it('runs end to end through the weir entry point', async () => {
    const out = await mkdtemp(join(tmpdir(), 'weir-sim-cli-'));
    try {
      const run = (args: string[]) =>
        spawnSync(process.execPath, ['--import', 'tsx', 'shared/cli/src/main.ts', 'simulate', ...args], { cwd: root, encoding: 'utf8' });
      const ok = run(['--out', out, '--customers', '2', '--duration', '2m', '--seed', 'cli']);
      assert.equal(ok.status, 0, ok.stderr);
      assert.match(ok.stdout, /simulated 2 customer/);
      assert.match(ok.stdout, /human/);
      assert.deepEqual((await readdir(out)).sort(), ['alpine-outfitters.log', 'labels.csv', 'paperleaf-books.log', 'sessions.ndjson']);
      const bad = run(['--out', out, '--duration', 'forever']);
      assert.equal(bad.status, 2);
      assert.match(bad.stderr, /--duration/);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });
});

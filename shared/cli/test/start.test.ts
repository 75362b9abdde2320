/**
 * `weir start` end to end, as a person sees it: the real command in its own process, its
 * dashboard opened in headless Chromium, detections appearing on the page, and the report's
 * last stdout line as JSON.
 *
 * Nothing here races a wall clock. The dashboard run lasts until the page has shown everything
 * and the traffic of 45 s has flowed, then it is stopped with Ctrl-C (SIGINT), which prints the
 * same report as `--duration`. Run for a fixed 45 s, the browser's launch and the page's checks
 * raced the command's end, each with a deadline of its own: on a loaded machine the page did not
 * see the stream open (`#status.live`) in its 20 s (issue #10). Each wait fails once what it waits
 * on (the page, or the command) has not moved for a minute. `--duration` stopping by itself is its
 * own test.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { chromium } from 'playwright-core';
import { cpuTicks, waitForProgress } from '@weir/testing';

const root = join(import.meta.dirname, '..', '..', '..');
const CHROMIUM = process.env.WEIR_CHROMIUM ?? '/usr/bin/chromium';
/** How long nothing may move (no output, no CPU used, by the command or the browser) before a wait fails. */
const STALL_MS = 60_000;
/** Wall time of traffic before the report (at --speed 120: 90 simulated minutes), as `--duration 45s` gave. */
const TRAFFIC_S = 45;
/** Only a bound for progress that never ends: every wait fails on a stall. */
const TEST_TIMEOUT_MS = 900_000;

interface StartRun {
  child: ChildProcess;
  lines: string[];
  exited: Promise<number | null>;
  /** The dashboard's URL, once printed. */
  url: Promise<string>;
}

function weirStart(args: string[]): StartRun {
  const child = spawn(process.execPath, ['--import', 'tsx', 'shared/cli/src/main.ts', 'start', '--port', '0', ...args], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  const url = new Promise<string>((resolve, reject) => {
    const reader = createInterface({ input: child.stdout! });
    reader.on('line', (line) => {
      lines.push(line);
      const match = /dashboard at (http:\/\/\S+)/.exec(line);
      if (match) resolve(match[1]!);
    });
    child.on('exit', () => reject(new Error(`weir start exited before printing its dashboard URL:\n${lines.join('\n')}`)));
  });
  return { child, lines, exited, url };
}

/** The report: the last stdout line, as JSON. */
function report(run: StartRun): Record<string, unknown> {
  return JSON.parse(run.lines[run.lines.length - 1]!) as Record<string, unknown>;
}

test('weir start serves a live dashboard that shows detections, then reports as JSON on Ctrl-C', { timeout: TEST_TIMEOUT_MS }, async () => {
  assert.ok(existsSync(CHROMIUM), `no Chromium at ${CHROMIUM}: install Debian's chromium (.ci/run does) or set WEIR_CHROMIUM`);
  const run = weirStart(['--speed', '120', '--summary-every', '1s']);
  try {
    const url = await run.url;
    // No launch or navigation deadline of the browser's own: the test's waits fail on a stall.
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      timeout: 0,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
      page.setDefaultTimeout(0);
      await page.goto(url);
      // Conditions run in the page, given as source text: this program is type-checked without DOM types.
      // The page moves as long as its text changes (each snapshot from the stream re-renders it).
      const pageText = async () => String(await page.evaluate('document.body.innerText'));
      const until = (what: string, expression: string) => waitForProgress(what, async () => (await page.evaluate(expression)) === true, pageText, STALL_MS);
      await until('the event stream to open', "document.querySelector('#status.live') !== null");
      // Detections: rows in the most-suspicious table, with a score and at least one reason each.
      await until('3 suspicious sessions', "document.querySelectorAll('#suspicious tbody tr').length >= 3");
      const rows = await page.$$eval('#suspicious tbody tr', (trs) =>
        trs.map((tr) => ({ score: Number(tr.children[1]?.textContent), label: tr.children[2]?.textContent, reasons: tr.querySelectorAll('.reason').length })),
      );
      assert.ok(rows.every((r) => r.score > 0 && r.score <= 1 && (r.label === 'bot' || r.label === 'suspicious')), JSON.stringify(rows));
      assert.ok(rows.some((r) => r.reasons > 0), 'suspicious sessions come with their reasons');
      const histogram = await page.$$eval('#histogram rect', (rects) => rects.reduce((sum, r) => sum + Number(r.getAttribute('data-count')), 0));
      assert.ok(histogram > 0, 'the score histogram has sessions');
      const stages = await page.$$eval('#stages tbody tr td:first-child', (tds) => tds.map((td) => td.textContent));
      assert.deepEqual([...stages].sort(), ['ingest', 'score', 'sessionize', 'window']);
      const customers = await page.$$eval('#customers tbody tr', (trs) => trs.length);
      assert.equal(customers, 3);
      await until('a window baseline', "document.querySelectorAll('#baselines table').length > 0");
      const shot = join(mkdtempSync(join(tmpdir(), 'weir-dashboard-')), 'dashboard.png');
      await page.screenshot({ path: shot, fullPage: true });
      console.log(`dashboard screenshot: ${shot}`);
    } finally {
      await browser.close();
    }
    // The traffic of TRAFFIC_S seconds, by the command's own summary lines ("[45s] events ...").
    await waitForProgress(
      `${TRAFFIC_S} s of traffic`,
      () => run.lines.some((line) => Number(/^\[(\d+)s\]/.exec(line)?.[1] ?? 0) >= TRAFFIC_S),
      () => `${run.lines.length} lines, ${cpuTicks(run.child.pid)} CPU ticks`,
      STALL_MS,
    );
    run.child.kill('SIGINT');
    assert.equal(await run.exited, 0, 'exit 0 on Ctrl-C');
  } finally {
    run.child.kill('SIGKILL');
  }

  const result = report(run);
  for (const key of ['events', 'sessions', 'precision', 'recall', 'humansFlaggedShare', 'eventsPerSecond']) assert.ok(key in result, `report has ${key}`);
  assert.ok((result.events as number) > 1000, 'traffic flowed');
  assert.ok((result.sessions as number) > 50, 'sessions were scored');
  // Detection as the report measures it: the latest score of every session, open ones included
  // (an open session has shown less of itself than a closed one), by the shipped model.
  const { precision, recall, humansFlaggedShare } = result as { precision: number; recall: number; humansFlaggedShare: number };
  assert.ok(precision >= 0.9, `precision ${precision}`);
  assert.ok(recall >= 0.8, `recall ${recall}`);
  assert.ok(humansFlaggedShare <= 0.03, `humans flagged ${humansFlaggedShare}`);
  const perStage = result.eventsPerSecond as Record<string, number>;
  for (const stage of ['ingest', 'sessionize', 'window', 'score']) assert.ok(perStage[stage]! > 0, `${stage} processed records`);
});

test('weir start --duration stops by itself after that long and reports as JSON', { timeout: TEST_TIMEOUT_MS }, async () => {
  const run = weirStart(['--duration', '3s', '--speed', '120']);
  try {
    // No hang: it ends by itself (the test's timeout fails it otherwise).
    assert.equal(await run.exited, 0, run.lines.join('\n'));
  } finally {
    run.child.kill('SIGKILL');
  }
  assert.ok(run.lines.some((line) => line.includes(', for 3 s')), 'it said how long it runs');
  const result = report(run);
  for (const key of ['events', 'sessions', 'precision', 'recall', 'humansFlaggedShare', 'eventsPerSecond', 'seconds']) assert.ok(key in result, `report has ${key}`);
  assert.ok((result.seconds as number) >= 3, `ran its 3 s: ${String(result.seconds)}`);
});

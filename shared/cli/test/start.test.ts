/**
 * `weir start` end to end, as a person sees it: the real command in its own process, its
 * dashboard opened in headless Chromium, detections appearing on the page, and the report's
 * last stdout line as JSON.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { chromium } from 'playwright-core';

const root = join(import.meta.dirname, '..', '..', '..');
const CHROMIUM = process.env.WEIR_CHROMIUM ?? '/usr/bin/chromium';

test('weir start serves a live dashboard that shows detections, then reports as JSON', { timeout: 180_000 }, async () => {
  assert.ok(existsSync(CHROMIUM), `no Chromium at ${CHROMIUM}: install Debian's chromium (.ci/run does) or set WEIR_CHROMIUM`);
  const child = spawn(process.execPath, ['--import', 'tsx', 'shared/cli/src/main.ts', 'start', '--duration', '45s', '--port', '0', '--speed', '120'], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  const url = await new Promise<string>((resolve, reject) => {
    const reader = createInterface({ input: child.stdout! });
    reader.on('line', (line) => {
      lines.push(line);
      const match = /dashboard at (http:\/\/\S+)/.exec(line);
      if (match) resolve(match[1]!);
    });
    child.on('exit', () => reject(new Error(`weir start exited before printing its dashboard URL:\n${lines.join('\n')}`)));
  });

  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await page.goto(url);
    await page.waitForSelector('#status.live', { timeout: 20_000 });
    // Detections: rows in the most-suspicious table, with a score and at least one reason each.
    // Conditions run in the page, given as source text: this program is type-checked without DOM types.
    await page.waitForFunction("document.querySelectorAll('#suspicious tbody tr').length >= 3", undefined, { timeout: 60_000 });
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
    await page.waitForFunction("document.querySelectorAll('#baselines table').length > 0", undefined, { timeout: 30_000 });
    const shot = join(mkdtempSync(join(tmpdir(), 'weir-dashboard-')), 'dashboard.png');
    await page.screenshot({ path: shot, fullPage: true });
    console.log(`dashboard screenshot: ${shot}`);
  } finally {
    await browser.close();
  }

  assert.equal(await exited, 0);
  const report = JSON.parse(lines[lines.length - 1]!) as Record<string, unknown>;
  for (const key of ['events', 'sessions', 'precision', 'recall', 'humansFlaggedShare', 'eventsPerSecond']) assert.ok(key in report, `report has ${key}`);
  assert.ok((report.events as number) > 1000, 'traffic flowed');
  assert.ok((report.sessions as number) > 50, 'sessions were scored');
  // Detection as the report measures it: the latest score of every session, open ones included
  // (an open session has shown less of itself than a closed one), by the shipped model.
  const { precision, recall, humansFlaggedShare } = report as { precision: number; recall: number; humansFlaggedShare: number };
  assert.ok(precision >= 0.9, `precision ${precision}`);
  assert.ok(recall >= 0.8, `recall ${recall}`);
  assert.ok(humansFlaggedShare <= 0.03, `humans flagged ${humansFlaggedShare}`);
  const perStage = report.eventsPerSecond as Record<string, number>;
  for (const stage of ['ingest', 'sessionize', 'window', 'score']) assert.ok(perStage[stage]! > 0, `${stage} processed records`);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SessionFeatures } from '@weir/contracts';
import { command } from '../src/commands/features.js';

const UA = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';
const line = (ip: string, time: string, path: string, status = 200, cookie = '-') =>
  `${ip} - - [02/Jun/2025:${time} +0000] "GET ${path} HTTP/1.1" ${status} 512 "-" "${UA}" "${cookie}"`;

async function run(args: string[]): Promise<{ code: number; out: string }> {
  const printed: string[] = [];
  const log = console.log;
  console.log = (...parts: unknown[]) => void printed.push(parts.join(' '));
  try {
    return { code: await command.run(args), out: printed.join('\n') };
  } finally {
    console.log = log;
  }
}

test('weir features writes one record per closed session and reports rejected lines by number', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'weir-features-'));
  const input = join(dir, 'shop.log');
  writeFileSync(
    input,
    [
      line('10.0.0.1', '10:00:00', '/'),
      line('10.0.0.1', '10:00:05', '/a'),
      'not a log line',
      line('10.0.0.2', '10:00:07', '/robots.txt', 404),
      // 40 minutes later: past the 30-minute gap, a second session of the first visitor.
      line('10.0.0.1', '10:40:00', '/b'),
    ].join('\n'),
  );
  const out = join(dir, 'sessions.ndjson');
  const { code, out: printed } = await run(['--input', input, '--format', 'combined', '--out', out]);
  assert.equal(code, 0);
  assert.match(printed, /5 lines: 4 parsed, 1 rejected/);
  assert.match(printed, /rejected line 3: /);
  const sessions = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as SessionFeatures);
  assert.equal(sessions.length, 3);
  assert.ok(sessions.every((s) => s.closed && s.customer === 'shop'));
  const first = sessions.find((s) => s.clientIp === '10.0.0.1' && s.requestCount === 2)!;
  assert.equal(first.features.session_duration_s, 5);
  const robots = sessions.find((s) => s.clientIp === '10.0.0.2')!;
  assert.equal(robots.features.robots_txt, 1);
  assert.equal(robots.features.share_4xx, 1);
});

test('weir features keys sessions by a cookie with --session-key field:NAME', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'weir-features-'));
  const input = join(dir, 'app.log');
  // Two visitors behind one address and browser, told apart by their cookie.
  writeFileSync(input, [line('10.0.0.9', '10:00:00', '/', 200, 'sid=a'), line('10.0.0.9', '10:00:01', '/', 200, 'sid=b'), line('10.0.0.9', '10:00:02', '/x', 200, 'sid=a')].join('\n'));
  const format = '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" "$http_cookie"';
  const out = join(dir, 'sessions.ndjson');
  const { code } = await run(['--input', input, '--format', format, '--session-key', 'field:cookie_sid', '--customer', 'app', '--out', out]);
  assert.equal(code, 0);
  const sessions = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as SessionFeatures);
  assert.deepEqual(sessions.map((s) => [s.sessionKey, s.requestCount]).sort(), [['a', 2], ['b', 1]]);
});

test('a simulated directory in mixed log formats is read with each customer\'s own format: what a log does not record is flagged, not read as absent', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'weir-features-mixed-'));
  const { writeSimulation } = await import('@weir/simulator');
  const summary = await writeSimulation({ outDir: join(dir, 'sim'), customers: 3, durationMs: 20 * 60_000, seed: 'mixed-formats', logFormats: 'mixed' });
  const formats = JSON.parse(readFileSync(join(dir, 'sim', 'formats.json'), 'utf8')) as Record<string, string>;
  assert.deepEqual(Object.keys(formats), summary.customers);
  const out = join(dir, 'sessions.ndjson');
  const { code, out: printed } = await run(['--input', join(dir, 'sim'), '--out', out, '--quiet']);
  assert.equal(code, 0);
  for (const customer of summary.customers) assert.match(printed, new RegExp(`\\(customer ${customer}\\): (\\d+) lines: \\1 parsed, 0 rejected`));
  const sessions = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as SessionFeatures);
  const [combined, bare, noReferrer] = summary.customers.map((c) => sessions.filter((s) => s.customer === c));
  const logged = (list: SessionFeatures[] | undefined, name: string) => new Set((list ?? []).map((s) => s.features[name]));
  assert.deepEqual([logged(combined, 'referrer_logged'), logged(combined, 'bytes_logged')], [new Set([1]), new Set([1])]);
  assert.deepEqual([logged(bare, 'referrer_logged'), logged(bare, 'bytes_logged')], [new Set([0]), new Set([0])]);
  assert.deepEqual([logged(noReferrer, 'referrer_logged'), logged(noReferrer, 'bytes_logged')], [new Set([0]), new Set([1])]);
  assert.deepEqual(logged(bare, 'share_no_referrer'), new Set([0]), 'no referrer logged is not every request without one');
  assert.ok((combined ?? []).some((s) => (s.features.share_no_referrer ?? 0) > 0), 'the combined log has absent referrers');
});

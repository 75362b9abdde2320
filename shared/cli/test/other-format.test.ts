/**
 * Logs in a layout weir was not built around, keyed by a session cookie: an nginx log_format
 * that logs the whole Cookie header, labels keyed by the cookie's value, and bots that send no
 * cookie at all (their sessions fall back to ip|user agent and are labelled that way). Training
 * and evaluation need only flags, no code.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { csvField, simulateTraffic, type Family } from '@weir/simulator';
import type { SessionFeatures } from '@weir/contracts';
import { command as evaluate } from '../src/commands/evaluate.js';
import { command as features } from '../src/commands/features.js';
import { command as train } from '../src/commands/train.js';
import { lastJson, runCommand } from './run-command.js';

const FORMAT = '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" "$http_cookie" $request_time';
/** Families that never keep a cookie: their requests carry no Cookie header. */
const COOKIELESS = new Set<Family>(['vuln_scanner', 'credential_stuffing', 'search_crawler']);

/** Simulated traffic of one site rewritten into FORMAT, with `labels.csv` keyed as a site owner would key it. */
function writeCookieLogs(outDir: string, seed: string, redactAddresses = false): { lines: number; cookieless: number } {
  mkdirSync(outDir, { recursive: true });
  const lines: string[] = [];
  const labels = new Map<string, string>();
  let cookieless = 0;
  for (const line of simulateTraffic({ customers: 1, durationMs: 2 * 3_600_000, seed })) {
    const session = line.sessionRef;
    const sid = createHash('sha256').update(session.id).digest('hex').slice(0, 20);
    const keepsCookie = !COOKIELESS.has(session.family);
    if (!keepsCookie) cookieless++;
    const cookie = keepsCookie ? `lang=en; sid=${sid}; _ga=GA1.2.${sid.slice(0, 8)}` : '-';
    const requestTime = ((line.index * 37) % 900) / 1000;
    const logged = redactAddresses ? `-${line.line.slice(line.line.indexOf(' '))}` : line.line;
    lines.push(`${logged} "${cookie}" ${requestTime.toFixed(3)}`);
    // Bots that rotate addresses log several; a cookie-less session is labelled by what its line shows.
    const key = keepsCookie ? sid : `${logged.slice(0, logged.indexOf(' '))}|${/"([^"]*)"$/.exec(logged)?.[1] ?? '-'}`;
    labels.set(key, [key, session.label, session.family].map(csvField).join(','));
  }
  writeFileSync(join(outDir, 'shop.log'), lines.join('\n') + '\n');
  writeFileSync(join(outDir, 'labels.csv'), ['session,label,family', ...labels.values()].join('\n') + '\n');
  return { lines: lines.length, cookieless };
}

test('train and evaluate on an nginx log_format keyed by a session cookie, with flags only', { timeout: 300_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'weir-cookie-'));
  const written = writeCookieLogs(join(dir, 'train'), 'cookie-train');
  writeCookieLogs(join(dir, 'heldout'), 'cookie-heldout');
  assert.ok(written.cookieless > 0 && written.cookieless < written.lines, 'both cookie and cookie-less requests');
  const flags = ['--format', FORMAT, '--session-key', 'field:cookie_sid', '--quiet'];
  const model = join(dir, 'model');

  const trained = await runCommand(train, ['--input', join(dir, 'train', 'shop.log'), '--labels', join(dir, 'train', 'labels.csv'), ...flags, '--cv', '0', '--epochs', '25', '--out', model]);
  assert.equal(trained.code, 0, trained.err);
  const summary = lastJson(trained.out);
  assert.equal(summary.unlabelled, 0, 'every cookie session and every cookie-less one found its label');
  assert.match(trained.out, /shop\.log \(customer shop\): (\d+) lines: \1 parsed, 0 rejected/);
  const manifest = JSON.parse(readFileSync(join(model, 'pipeline.json'), 'utf8')) as { training: { data: { sessionKey: string; format: string } } };
  assert.equal(manifest.training.data.sessionKey, 'field:cookie_sid');
  assert.equal(manifest.training.data.format, FORMAT);

  const evaluated = await runCommand(evaluate, ['--model', model, '--input', join(dir, 'heldout', 'shop.log'), '--labels', join(dir, 'heldout', 'labels.csv'), ...flags]);
  assert.equal(evaluated.code, 0, evaluated.err);
  const m = lastJson(evaluated.out) as { unlabelled: number; f1: number; flaggedHumanShare: number; recallByFamily: Record<string, number> };
  assert.equal(m.unlabelled, 0);
  assert.ok(m.f1 >= 0.9, `bot F1 on held-out cookie-keyed logs: ${m.f1}`);
  assert.ok(m.flaggedHumanShare <= 0.03, `humans flagged: ${m.flaggedHumanShare}`);
  console.log(`cookie-keyed nginx logs, held out: bot F1 ${m.f1.toFixed(4)}, humans flagged ${(100 * m.flaggedHumanShare).toFixed(2)} %, recall by family ${JSON.stringify(m.recallByFamily)}`);
  for (const [family, recall] of Object.entries(m.recallByFamily)) assert.ok(recall >= 0.7, `${family} recall ${recall}`);
});

test('a log whose addresses are redacted to "-" parses whole when keyed by its cookie, and ip_ua is refused with a hint', { timeout: 300_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'weir-no-ip-'));
  const written = writeCookieLogs(dir, 'cookie-no-ip', true);
  assert.match(readFileSync(join(dir, 'shop.log'), 'utf8'), /^- - - \[/, 'addresses are "-"');
  const input = ['--input', join(dir, 'shop.log'), '--labels', join(dir, 'labels.csv'), '--format', FORMAT, '--quiet'];

  const evaluated = await runCommand(evaluate, [...input, '--session-key', 'field:cookie_sid']);
  assert.equal(evaluated.code, 0, evaluated.err);
  assert.match(evaluated.out, new RegExp(`shop\\.log \\(customer shop\\): ${written.lines} lines: ${written.lines} parsed, 0 rejected`));
  const m = lastJson(evaluated.out) as { unlabelled: number; sessions: number };
  assert.equal(m.unlabelled, 0, 'cookie sessions and the cookie-less "-|user agent" ones all found their labels');

  const refused = await runCommand(evaluate, [...input, '--session-key', 'ip_ua']);
  assert.equal(refused.code, 1);
  assert.match(refused.err, /line 1: no_address: the event has no client address .*--session-key field:cookie_session.*\(WEIR_CLI_SESSION_KEY\)/);
});

test('a redacted address changes no feature: cookie sessions of the same log with and without addresses are equal', { timeout: 300_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'weir-no-ip-features-'));
  writeCookieLogs(join(dir, 'with'), 'cookie-same', false);
  writeCookieLogs(join(dir, 'without'), 'cookie-same', true);
  const read = async (which: string): Promise<Map<string, SessionFeatures>> => {
    const out = join(dir, `${which}.ndjson`);
    const run = await runCommand(features, ['--input', join(dir, which, 'shop.log'), '--format', FORMAT, '--session-key', 'field:cookie_sid', '--out', out, '--quiet']);
    assert.equal(run.code, 0, run.err);
    const sessions = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as SessionFeatures);
    return new Map(sessions.filter((s) => !s.sessionKey.includes('|')).map((s) => [s.sessionKey, s]));
  };
  const withAddress = await read('with');
  const without = await read('without');
  assert.ok(withAddress.size > 50, `cookie sessions: ${withAddress.size}`);
  assert.deepEqual([...without.keys()].sort(), [...withAddress.keys()].sort());
  for (const [key, session] of withAddress) {
    const other = without.get(key) as SessionFeatures;
    assert.equal(other.clientIp, '');
    assert.deepEqual(other.features, session.features, key);
  }
});

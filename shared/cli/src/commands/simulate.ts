import { parseArgs } from 'node:util';
import {
  BOT_FAMILIES,
  DEFAULTS,
  isBotFamily,
  LOG_FORMAT_CHOICES,
  parseDuration,
  parseInstant,
  parseUtcOffset,
  VARIETIES,
  writeSimulation,
  type BotFamily,
  type LogFormats,
  type Variety,
  type SimulationProgress,
  type SimulationSummary,
  type WriteSimulationOptions,
} from '@weir/simulator';
import type { Command } from '../command.js';
import { UsageError } from '../command.js';

const USAGE = `weir simulate --out DIR [options]

Writes DIR/<customer>.log (Combined Log Format unless --log-formats mixed; in time order), DIR/labels.csv
(session,label,family; session = "<client IP>|<User-Agent>", the User-Agent as logged, "-" if none)
and DIR/sessions.ndjson (one line per session). The same flags give byte-identical files.

  --out DIR             where to write (created if missing; files of the same names are replaced)
  --customers N         number of customer sites, 1-10000 (default 3)
  --duration T          simulated period: 30s, 10m, 2h, 1d... (default 1h)
  --seed S              any string (default 1)
  --start ISO           first instant, with a zone, e.g. 2025-03-04T09:00:00Z (default that)
  --rate R              mean sessions per minute per customer (default 10)
  --bot-share F         expected share of sessions that are bots, 0-1 (default 0.3)
  --families a,b        bot families to include (default all: ${BOT_FAMILIES.join(',')})
  --variety V           classic (default) or wide: sites behind CDNs, single-page apps, many paces,
                        people without referrers, long busy sessions full of 304s
  --log-formats F       combined (default) or mixed: customers take turns with layouts that leave
                        the referrer, or the referrer and the byte count, out (DIR/formats.json
                        names each customer's format; --input DIR reads it)
  --timezone +0100,...  UTC offset per customer, cycled; sets log times and the day/night rhythm (default +0000)
  --quiet               no progress and no summary`;

/** Turns a parse failure (a RangeError from the simulator's parsers) into a message for the terminal. */
function flag<T>(name: string, value: string | undefined, parse: (text: string) => T, fallback: T): T {
  if (value === undefined) return fallback;
  try {
    return parse(value);
  } catch (err) {
    throw new UsageError(`--${name}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

function number(min: number, max: number, integer: boolean): (text: string) => number {
  return (text) => {
    const n = Number(text);
    if (text.trim() === '' || !Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) {
      throw new RangeError(`expected ${integer ? 'a whole number' : 'a number'} from ${min} to ${max}, not "${text}"`);
    }
    return n;
  };
}

function variety(text: string): Variety {
  if (!(VARIETIES as readonly string[]).includes(text)) throw new Error(`must be one of ${VARIETIES.join(', ')}`);
  return text as Variety;
}

function logFormats(text: string): LogFormats {
  if (!(LOG_FORMAT_CHOICES as readonly string[]).includes(text)) throw new Error(`must be one of ${LOG_FORMAT_CHOICES.join(', ')}`);
  return text as LogFormats;
}

function families(text: string): BotFamily[] {
  const names = text.split(',').map((s) => s.trim()).filter((s) => s !== '');
  for (const name of names) {
    if (!isBotFamily(name)) throw new RangeError(`unknown family "${name}" (known: ${BOT_FAMILIES.join(', ')})`);
  }
  return [...new Set(names)] as BotFamily[];
}

function positive(text: string): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n <= 0) throw new RangeError(`expected a number above zero, not "${text}"`);
  return n;
}

const OPTIONS = {
  out: { type: 'string' },
  customers: { type: 'string' },
  duration: { type: 'string' },
  seed: { type: 'string' },
  start: { type: 'string' },
  rate: { type: 'string' },
  'bot-share': { type: 'string' },
  families: { type: 'string' },
  variety: { type: 'string' },
  'log-formats': { type: 'string' },
  timezone: { type: 'string' },
  quiet: { type: 'boolean', default: false },
} as const;

function parseFlags(argv: string[]) {
  try {
    return parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: false }).values;
  } catch (err) {
    // Unknown flags, missing values, stray arguments: node:util says which.
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
}

export function parseSimulateArgs(argv: string[]): WriteSimulationOptions & { quiet: boolean } {
  const values = parseFlags(argv);
  if (values.out === undefined || values.out === '') throw new UsageError('--out DIR is required');
  if (values.seed === '') throw new UsageError('--seed must not be empty');
  const botShare = flag('bot-share', values['bot-share'], number(0, 1, false), DEFAULTS.botShare);
  const chosen = flag('families', values.families, families, [...DEFAULTS.families]);
  if (botShare > 0 && chosen.length === 0) throw new UsageError('--families: name at least one family (or use --bot-share 0)');
  return {
    outDir: values.out,
    customers: flag('customers', values.customers, number(1, 10_000, true), DEFAULTS.customers),
    durationMs: flag('duration', values.duration, parseDuration, DEFAULTS.durationMs),
    seed: values.seed ?? DEFAULTS.seed,
    start: flag('start', values.start, parseInstant, DEFAULTS.start),
    ratePerMinute: flag('rate', values.rate, positive, DEFAULTS.ratePerMinute),
    botShare,
    families: chosen,
    utcOffsets: flag('timezone', values.timezone, (t) => t.split(',').map(parseUtcOffset), [...DEFAULTS.utcOffsets]),
    variety: flag('variety', values.variety, variety, DEFAULTS.variety),
    logFormats: flag('log-formats', values['log-formats'], logFormats, DEFAULTS.logFormats),
    quiet: values.quiet ?? false,
  };
}

/** Progress on stderr: rewritten in place on a terminal, a line every ten seconds otherwise. */
function progressReporter(): (p: SimulationProgress) => void {
  const began = performance.now();
  let lastShown = began;
  const tty = process.stderr.isTTY === true;
  return (p) => {
    const now = performance.now();
    const finished = p.fraction >= 1;
    if (!finished && now - lastShown < (tty ? 250 : 10_000)) return;
    if (finished && now - began < 1_000) return; // short runs need no progress
    lastShown = now;
    const text = `simulating: ${(p.fraction * 100).toFixed(0).padStart(3)}%  ${new Date(p.simulatedTime).toISOString().slice(0, 16).replace('T', ' ')}Z  ${p.lines.toLocaleString('en-US')} lines`;
    process.stderr.write(tty ? `\r${text}${finished ? '\n' : ''}` : `${text}\n`);
  };
}

function describe(summary: SimulationSummary, seconds: number): string {
  const totalSessions = Object.values(summary.sessions).reduce((a, b) => a + b, 0);
  const pct = (n: number, of: number): string => (of === 0 ? '0.0' : ((100 * n) / of).toFixed(1));
  const rows = Object.entries(summary.sessions).map(
    ([family, n]) =>
      `  ${family.padEnd(20)} ${String(n).padStart(7)} ${pct(n, totalSessions).padStart(5)}%  ${String(summary.linesByFamily[family as keyof typeof summary.linesByFamily]).padStart(9)} ${pct(summary.linesByFamily[family as keyof typeof summary.linesByFamily], summary.lines).padStart(5)}%`,
  );
  return [
    `simulated ${summary.customers.length} customer(s) from ${new Date(summary.start).toISOString()} to ${new Date(summary.end).toISOString()}, seed ${summary.seed}`,
    `  ${'family'.padEnd(20)} ${'sessions'.padStart(7)}         ${'lines'.padStart(9)}`,
    ...rows,
    `  ${'total'.padEnd(20)} ${String(totalSessions).padStart(7)}         ${String(summary.lines).padStart(9)}`,
    'lines per customer:',
    ...summary.customers.map((c) => `  ${c.padEnd(24)} ${String(summary.linesByCustomer[c] ?? 0).padStart(9)}`),
    'wrote:',
    ...summary.files.map((f) => `  ${f}`),
    `${summary.lines.toLocaleString('en-US')} lines, ${(summary.bytes / 1048576).toFixed(1)} MiB of logs in ${seconds.toFixed(1)} s (${Math.round(summary.lines / Math.max(seconds, 1e-3)).toLocaleString('en-US')} lines/s)`,
  ].join('\n');
}

export const command: Command = {
  summary: 'Write simulated, labelled web traffic: one access log per customer, plus labels.csv and sessions.ndjson.',
  usage: USAGE,
  async run(argv) {
    const { quiet, ...options } = parseSimulateArgs(argv);
    const began = performance.now();
    let summary: SimulationSummary;
    try {
      summary = await writeSimulation({ ...options, ...(quiet ? {} : { onProgress: progressReporter(), progressEvery: 20_000 }) });
    } catch (err) {
      if (err instanceof RangeError) throw new UsageError(err.message);
      throw err;
    }
    if (!quiet) console.log(describe(summary, (performance.now() - began) / 1000));
    return 0;
  },
};

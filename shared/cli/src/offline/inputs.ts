/**
 * What `--input` names → the log files to read, each with its customer. An input is a log file
 * (`.gz` too), `-` for stdin, or a directory such as `weir simulate --out DIR` writes: its `*.log`
 * files (customer = file name without `.log`) and, when present, its `labels.csv` and its
 * `formats.json` (customer → log format, as `weir simulate --log-formats mixed` writes it).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { OfflineError } from './errors.js';

export interface LogSource {
  /** A file path, or `-` for stdin. */
  path: string;
  customer: string;
  /** The file's own log format (from its directory's formats.json): it wins over --format. */
  format?: string;
}

export interface ResolvedInputs {
  sources: LogSource[];
  /** `labels.csv` of every directory input that has one. */
  labels: string[];
  /** True when an input was a directory: its logs are the simulator's (Combined Log Format unless its formats.json says otherwise). */
  fromDirectory: boolean;
}

const LOG_FILE = /\.log(\.gz)?$/;

/** `shop.log` → `shop`, `shop.log.gz` → `shop`, `access-2025-06-01.txt` → `access-2025-06-01`. */
export function customerOfFile(path: string): string {
  const name = basename(path).replace(/\.gz$/, '');
  return name.replace(/\.[^.]*$/, '') || name || 'default';
}

/**
 * `customer`, when given, applies to every file: files of one customer are read in the order
 * given, through one pipeline, so a day split over rotated files still forms whole sessions.
 */
export function resolveInputs(paths: readonly string[], customer?: string): ResolvedInputs {
  const sources: LogSource[] = [];
  const labels: string[] = [];
  let fromDirectory = false;
  for (const path of paths) {
    if (path === '-') {
      sources.push({ path, customer: customer ?? 'default' });
      continue;
    }
    if (!existsSync(path)) throw new OfflineError('WEIR_CLI_INPUT', `input ${path} does not exist`);
    if (!statSync(path).isDirectory()) {
      sources.push({ path, customer: customer ?? customerOfFile(path) });
      continue;
    }
    fromDirectory = true;
    const logs = readdirSync(path)
      .filter((name) => LOG_FILE.test(name))
      .sort();
    if (logs.length === 0) throw new OfflineError('WEIR_CLI_INPUT', `directory ${path} holds no *.log file`);
    const formats = directoryFormats(path);
    for (const name of logs) {
      const source: LogSource = { path: join(path, name), customer: customer ?? customerOfFile(name) };
      const format = formats[customerOfFile(name)];
      if (format !== undefined) source.format = format;
      sources.push(source);
    }
    if (existsSync(join(path, 'labels.csv'))) labels.push(join(path, 'labels.csv'));
  }
  if (sources.filter((s) => s.path === '-').length > 1) throw new OfflineError('WEIR_CLI_INPUT', 'stdin (-) can be read only once');
  return { sources, labels, fromDirectory };
}

/** A directory's formats.json: customer (log file name without `.log`) → format string; {} without one. */
function directoryFormats(dir: string): Record<string, string> {
  const file = join(dir, 'formats.json');
  if (!existsSync(file)) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new OfflineError('WEIR_CLI_INPUT', `${file} is not JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  const valid = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) && Object.values(parsed).every((v) => typeof v === 'string');
  if (!valid) throw new OfflineError('WEIR_CLI_INPUT', `${file} must map customers to log format strings, e.g. {"shop": "combined"}`);
  return parsed as Record<string, string>;
}

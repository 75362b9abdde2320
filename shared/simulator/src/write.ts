/**
 * The file writer: one access log per customer, plus the ground truth as labels.csv (one row per
 * session, joinable on client IP + User-Agent) and sessions.ndjson (every session's details, for
 * joining on any other key), and with mixed log formats formats.json (customer → format string).
 * Rows are written as sessions begin, so nothing accumulates.
 */
import { mkdir, open, writeFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { BOT_FAMILIES, type Family } from './families.js';
import { resolveOptions, type SimulationOptions } from './options.js';
import { customerNames } from './themes.js';
import { customerLogFormats, customerTraffic, labelsSessionKey, type SimulatedSession } from './traffic.js';

/** The file of a simulated directory naming each customer's log format (absent: all `combined`). */
export const FORMATS_FILE = 'formats.json';
import { mergeByTime } from './merge.js';

export interface SimulationProgress {
  /** Epoch ms the simulation has reached. */
  simulatedTime: number;
  /** Share of the period done, 0–1. */
  fraction: number;
  lines: number;
}

export interface WriteSimulationOptions extends SimulationOptions {
  outDir: string;
  /** Called every `progressEvery` lines and once at the end. */
  onProgress?: (progress: SimulationProgress) => void;
  progressEvery?: number;
}

export interface SimulationSummary {
  customers: string[];
  start: number;
  end: number;
  seed: string;
  sessions: Record<Family, number>;
  linesByFamily: Record<Family, number>;
  linesByCustomer: Record<string, number>;
  lines: number;
  bytes: number;
  /** Paths written, logs first. */
  files: string[];
}

/**
 * Buffers text and writes it to a file in large chunks. Text is encoded straight into one reused
 * buffer: concatenating millions of lines into strings first costs more in garbage collection
 * than generating them.
 */
class Sink {
  private readonly buffer = Buffer.allocUnsafe(1 << 20);
  private used = 0;
  /** Filled chunks waiting for the next flush, in order, before `buffer`'s contents. */
  private pending: Buffer[] = [];
  written = 0;

  constructor(private readonly file: FileHandle) {}

  /** Adds `text`; returns true when it is time to flush. */
  add(text: string): boolean {
    // UTF-8 takes at most 3 bytes per UTF-16 unit (the lines are ASCII, but be safe).
    if (text.length * 3 > this.buffer.length - this.used) {
      if (this.used > 0) this.pending.push(Buffer.from(this.buffer.subarray(0, this.used)));
      this.used = 0;
    }
    if (text.length * 3 > this.buffer.length) this.pending.push(Buffer.from(text, 'utf8'));
    else this.used += this.buffer.write(text, this.used, 'utf8');
    return this.pending.length > 0 || this.buffer.length - this.used < 64 * 1024;
  }

  async flush(): Promise<void> {
    for (const chunk of this.pending) {
      await this.file.write(chunk);
      this.written += chunk.length;
    }
    this.pending = [];
    if (this.used > 0) {
      await this.file.write(this.buffer, 0, this.used);
      this.written += this.used;
      this.used = 0;
    }
  }

  async close(): Promise<void> {
    await this.flush();
    await this.file.close();
  }
}

/** RFC 4180: quote a field holding a comma, quote or line break (User-Agents hold commas). */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** A sessions.ndjson row. Times to the second, as the log shows them, so they join on log times. */
function sessionJson(s: SimulatedSession): string {
  return JSON.stringify({
    customer: s.customer,
    clientIp: s.clientIp,
    userAgent: s.userAgent,
    firstTime: Math.floor(s.firstTime / 1000) * 1000,
    lastTime: Math.floor(s.lastTime / 1000) * 1000,
    label: s.label,
    family: s.family,
    requests: s.requests,
  });
}

function familyCounts(): Record<Family, number> {
  const counts = { human: 0 } as Record<Family, number>;
  for (const family of BOT_FAMILIES) counts[family] = 0;
  return counts;
}

export async function writeSimulation(options: WriteSimulationOptions): Promise<SimulationSummary> {
  const resolved = resolveOptions(options);
  const names = customerNames(resolved.customers);
  await mkdir(options.outDir, { recursive: true });
  const logPaths = names.map((name) => join(options.outDir, `${name}.log`));
  const labelsPath = join(options.outDir, 'labels.csv');
  const sessionsPath = join(options.outDir, 'sessions.ndjson');
  // Logs in several layouts: which format each customer's file is in, for `--input DIR`.
  const formatsPath = resolved.logFormats === 'combined' ? null : join(options.outDir, FORMATS_FILE);
  if (formatsPath !== null) await writeFile(formatsPath, JSON.stringify(customerLogFormats(resolved), null, 2) + '\n');

  const logs = new Map<string, Sink>();
  for (const [i, name] of names.entries()) logs.set(name, new Sink(await open(logPaths[i] as string, 'w')));
  const labels = new Sink(await open(labelsPath, 'w'));
  const sessions = new Sink(await open(sessionsPath, 'w'));
  labels.add('session,label,family\n');

  const summary: SimulationSummary = {
    customers: names,
    start: resolved.start,
    end: resolved.start + resolved.durationMs,
    seed: resolved.seed,
    sessions: familyCounts(),
    linesByFamily: familyCounts(),
    linesByCustomer: Object.fromEntries(names.map((n) => [n, 0])),
    lines: 0,
    bytes: 0,
    files: [...logPaths, labelsPath, sessionsPath, ...(formatsPath === null ? [] : [formatsPath])],
  };
  const every = options.progressEvery ?? 100_000;
  const report = (time: number): void =>
    options.onProgress?.({
      simulatedTime: time,
      fraction: Math.min(1, (time - resolved.start) / resolved.durationMs),
      lines: summary.lines,
    });

  try {
    const traffic = mergeByTime(names.map((_, i) => customerTraffic(resolved, i)));
    for (const { customer, line, sessionRef: s, index, time } of traffic) {
      const log = logs.get(customer) as Sink;
      if (log.add(line + '\n')) await log.flush();
      if (index === 0) {
        summary.sessions[s.family]++;
        if (labels.add(`${csvField(labelsSessionKey(s.clientIp, s.userAgent))},${s.label},${s.family}\n`)) await labels.flush();
        if (sessions.add(sessionJson(s) + '\n')) await sessions.flush();
      }
      summary.linesByFamily[s.family]++;
      summary.linesByCustomer[customer] = (summary.linesByCustomer[customer] ?? 0) + 1;
      summary.lines++;
      if (summary.lines % every === 0) report(time);
    }
  } finally {
    for (const sink of [...logs.values(), labels, sessions]) await sink.close();
  }
  summary.bytes = [...logs.values()].reduce((sum, sink) => sum + sink.written, 0);
  report(summary.end);
  return summary;
}

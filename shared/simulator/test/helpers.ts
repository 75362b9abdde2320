/** Test helpers: a strict Combined Log Format reader, and simulated traffic grouped by session. */
import { simulateTraffic, type SimulatedSession, type SimulationOptions } from '../src/index.js';

/**
 * Strict Combined Log Format: `%h %l %u [%t] "%r" %>s %b "%{Referer}i" "%{User-Agent}i"` with an
 * IPv4 client, `dd/Mon/yyyy:HH:MM:SS +hhmm` time, a request line of method, target with no
 * spaces or quotes and HTTP/x.y, a three-digit status, bytes or `-`, and quoted fields free of `"`.
 */
export const CLF =
  /^((?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)) (-) (-) \[((?:0[1-9]|[12]\d|3[01])\/(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\/\d{4}:(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d [+-]\d{4})\] "(GET|POST|HEAD|PUT|DELETE|OPTIONS|PATCH) (\/[^\s"]*) (HTTP\/(?:1\.0|1\.1|2\.0))" ([1-5]\d\d) (\d+|-) "([^"]*)" "([^"]*)"$/;

export interface ParsedLine {
  ip: string;
  time: string;
  method: string;
  target: string;
  protocol: string;
  status: number;
  bytes: number | null;
  referrer: string;
  userAgent: string;
}

export function parseLine(line: string): ParsedLine | null {
  const m = CLF.exec(line);
  if (!m) return null;
  return {
    ip: m[1] as string,
    time: m[4] as string,
    method: m[5] as string,
    target: m[6] as string,
    protocol: m[7] as string,
    status: Number(m[8]),
    bytes: m[9] === '-' ? null : Number(m[9]),
    referrer: m[10] as string,
    userAgent: m[11] as string,
  };
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `%t` → epoch ms. */
export function clfTimeToMs(text: string): number {
  const m = /^(\d{2})\/(\w{3})\/(\d{4}):(\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})$/.exec(text);
  if (!m) throw new Error(`bad time ${text}`);
  const offset = (m[7] === '-' ? -1 : 1) * (Number(m[8]) * 60 + Number(m[9]));
  return Date.UTC(Number(m[3]), MONTHS.indexOf(m[2] as string), Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6])) - offset * 60_000;
}

export const ASSET = /\.(css|js|woff2|jpg|jpeg|webp|avif|png|svg|ico)(\?|$)/;

export interface SessionLines {
  session: SimulatedSession;
  lines: Array<ParsedLine & { ms: number }>;
}

/** Runs a simulation in memory and groups its parsed lines by session. */
export function sessionsOf(options: SimulationOptions): SessionLines[] {
  const byId = new Map<string, SessionLines>();
  for (const { line, sessionRef, time } of simulateTraffic(options)) {
    const parsed = parseLine(line);
    if (!parsed) throw new Error(`not Combined Log Format: ${line}`);
    let entry = byId.get(sessionRef.id);
    if (!entry) {
      entry = { session: sessionRef, lines: [] };
      byId.set(sessionRef.id, entry);
    }
    entry.lines.push({ ...parsed, ms: time });
  }
  return [...byId.values()];
}

export function gaps(times: readonly number[]): number[] {
  return times.slice(1).map((t, i) => t - (times[i] as number));
}

export function mean(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** Coefficient of variation: spread relative to the mean. */
export function cv(xs: readonly number[]): number {
  const m = mean(xs);
  return Math.sqrt(mean(xs.map((x) => (x - m) ** 2))) / m;
}

export function median(xs: readonly number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

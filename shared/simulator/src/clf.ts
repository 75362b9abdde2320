/**
 * Writing requests as Combined Log Format lines, exactly as Apache's `combined` LogFormat does, or
 * in one of the plainer layouts real servers are configured with (`LOG_LAYOUTS`).
 */
import { formatUtcOffset } from './time.js';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/**
 * Formats `%t` (`[04/Mar/2025:09:00:00 +0100]` without the brackets) for one site's UTC offset.
 * Log lines come in time order and many share a second, so the last second's text is kept.
 */
export class ClfClock {
  private readonly offsetMs: number;
  private readonly zone: string;
  private lastSecond = Number.NaN;
  private lastText = '';

  constructor(offsetMinutes: number) {
    this.offsetMs = offsetMinutes * 60_000;
    this.zone = formatUtcOffset(offsetMinutes);
  }

  format(epochMs: number): string {
    const second = Math.floor(epochMs / 1000);
    if (second !== this.lastSecond) {
      const local = new Date(second * 1000 + this.offsetMs);
      this.lastSecond = second;
      this.lastText =
        `${pad2(local.getUTCDate())}/${MONTHS[local.getUTCMonth()]}/${local.getUTCFullYear()}:` +
        `${pad2(local.getUTCHours())}:${pad2(local.getUTCMinutes())}:${pad2(local.getUTCSeconds())} ${this.zone}`;
    }
    return this.lastText;
  }
}

export interface ClfFields {
  clientIp: string;
  /** Already formatted by a ClfClock. */
  time: string;
  method: string;
  /** Path and query as sent. Generators only produce targets without spaces or quotes. */
  target: string;
  protocol: string;
  status: number;
  bytes: number;
  referrer: string | null;
  userAgent: string | null;
}

/**
 * `%h %l %u %t "%r" %>s %b "%{Referer}i" "%{User-Agent}i"`. Identity and user are `-` as on
 * nearly every real server; an empty body is `-` as `%b` writes it; a missing header is `-`.
 */
export function formatClfLine(f: ClfFields): string {
  return (
    `${f.clientIp} - - [${f.time}] "${f.method} ${f.target} ${f.protocol}" ${f.status} ` +
    `${f.bytes > 0 ? f.bytes : '-'} "${f.referrer ?? '-'}" "${f.userAgent ?? '-'}"`
  );
}

/**
 * Log layouts of real servers that record less than `combined`: the referrer and the byte count
 * are the fields most often left out. Each is a format string `--format` (and `formats.json` of a
 * simulated directory) takes as it is.
 */
export const LOG_LAYOUTS = {
  combined: 'combined',
  no_referrer: '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_user_agent"',
  no_referrer_no_bytes: '$remote_addr [$time_local] "$request" $status "$http_user_agent"',
} as const;
export type LogLayout = keyof typeof LOG_LAYOUTS;

/** One request in `layout`: `combined` as `formatClfLine`, the others with their fields left out. */
export function formatLogLine(layout: LogLayout, f: ClfFields): string {
  switch (layout) {
    case 'combined':
      return formatClfLine(f);
    case 'no_referrer':
      return `${f.clientIp} - - [${f.time}] "${f.method} ${f.target} ${f.protocol}" ${f.status} ${f.bytes} "${f.userAgent ?? '-'}"`;
    case 'no_referrer_no_bytes':
      return `${f.clientIp} [${f.time}] "${f.method} ${f.target} ${f.protocol}" ${f.status} "${f.userAgent ?? '-'}"`;
  }
}

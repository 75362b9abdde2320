/**
 * The parser for nginx and Apache format strings. A format compiles once into literals and
 * fields; each line is then scanned left to right with `startsWith`/`indexOf` (native, no
 * backtracking), recording each field's [start, end) offsets in typed arrays reused for every
 * line. Only then are the strings the event needs cut out: one object, its `extra`, and the
 * field values are all a parsed line allocates. (bench/parse.bench.ts compares this with a
 * generated RegExp.)
 *
 * How a field's end is found:
 * - between `"` quotes: the first `"` that is not backslash-escaped and is followed by the rest of
 *   the next literal, so `\"` and even unescaped quotes inside a user agent do not end it early;
 * - $time_local / %t: fixed width;
 * - Apache's `%U%q`: the path ends at the `?`;
 * - $upstream_*: nginx writes lists (`0.004, 0.010 : 0.002`), so `, ` and ` : ` do not end it;
 * - the last field: runs to the last literal at the end of the line (so a 20 KB URL or a user
 *   agent with quotes in it cannot end it early);
 * - any other: the next occurrence of the following literal.
 */
import type { RequestEvent } from '@weir/contracts';
import { LogFormatError } from './errors.js';
import { unescapeLogValue } from './escape.js';
import { cookieValue, firstForwardedAddress } from './headers.js';
import { parseDecimal, parseUnsigned } from './numbers.js';
import { preview, quote, rejection } from './reject.js';
import { markMalformed, splitRequestLine, splitTarget, type RequestParts } from './request-line.js';
import { Role, type LogTemplate, type TemplateField } from './template.js';
import { CLF_TIME_LENGTH, parseClfTime, parseIsoTime } from './time.js';
import type { LogParser, ParseResult, ParserOptions } from './types.js';

const Strategy = { NextLiteral: 0, Quoted: 1, FixedTime: 2, List: 3, ToLineEnd: 4, BeforeQuery: 5 } as const;

/** Most precise first: when a format logs the time twice, the finer one is used. */
const TIME_PREFERENCE: readonly Role[] = [
  Role.TimeSecondsFraction,
  Role.TimeEpochMs,
  Role.TimeEpochUs,
  Role.TimeIso,
  Role.TimeLocal,
  Role.TimeEpochS,
];

/** Decimal shift from each time/duration role's unit to milliseconds. */
const MS_SHIFT: Partial<Record<Role, number>> = {
  [Role.TimeSecondsFraction]: 3,
  [Role.TimeEpochS]: 3,
  [Role.TimeEpochMs]: 0,
  [Role.TimeEpochUs]: -3,
  [Role.RequestTimeS]: 3,
  [Role.RequestTimeMs]: 0,
  [Role.RequestTimeUs]: -3,
};

const DASH = 45;
const BACKSLASH = 92;

export class TemplateParser implements LogParser {
  readonly spec: string;
  readonly customer: string;
  private readonly literals: string[];
  private readonly fields: TemplateField[];
  private readonly strategies: Uint8Array;
  private readonly starts: Int32Array;
  private readonly ends: Int32Array;
  /** First field index of each role, -1 when absent. */
  private readonly at: Int32Array;
  private readonly timeIndex: number;
  private readonly timeRole: Role;
  private readonly requestTimeIndex: number;
  private readonly requestTimeShift: number;
  private readonly bytesIndex: number;
  private readonly hostIndexes: number[];
  private readonly extraIndexes: number[];
  private readonly sessionIndex: number;
  /** When the session id is a cookie read out of a logged Cookie header. */
  private readonly sessionCookie: string | null;
  private readonly forwardedIndex: number;
  /** Reused by every line: the request line's parts. */
  private readonly parts: RequestParts = { method: '-', path: '-', query: null, protocol: null, malformed: false };
  /** Lines come in time order and many share a second: the last $time_local text and its value. */
  private lastTimeText = '';
  private lastTimeMs = 0;
  /** First backslash of the current line, -1 for none (most lines): spares each field its own search. */
  private backslashAt = -1;

  constructor(template: LogTemplate, spec: string, options: ParserOptions = {}) {
    this.spec = spec;
    this.customer = options.customer ?? '';
    this.literals = template.literals;
    this.fields = template.fields;
    const n = this.fields.length;
    this.starts = new Int32Array(n);
    this.ends = new Int32Array(n);
    this.strategies = new Uint8Array(n);
    this.at = new Int32Array(32).fill(-1);
    this.fields.forEach((f, i) => {
      if (this.at[f.role] === -1) this.at[f.role] = i;
      this.strategies[i] = this.strategyOf(i);
    });

    const fail = (message: string): never => {
      throw new LogFormatError(`log format ${quote(template.source)}: ${message}`);
    };
    const timeRole = TIME_PREFERENCE.find((r) => this.has(r));
    if (timeRole === undefined) fail('it has no time ($time_local, $time_iso8601, $msec, %t or %{msec}t)');
    this.timeRole = timeRole as Role;
    this.timeIndex = this.index(this.timeRole);
    if (!this.has(Role.Status)) fail('it has no status ($status or %>s)');
    if (!this.has(Role.Request) && !this.has(Role.RequestUri) && !this.has(Role.Uri)) {
      fail('it has no request ($request, $request_uri, $uri, %r or %U)');
    }
    const byName = (name: string): number => this.fields.findIndex((f) => f.name === name);

    this.forwardedIndex = options.clientIpField === undefined ? -1 : byName(options.clientIpField);
    if (options.clientIpField !== undefined && this.forwardedIndex === -1) {
      fail(`clientIpField '${options.clientIpField}' is not one of its fields`);
    }
    if (!this.has(Role.ClientIp) && this.forwardedIndex === -1) fail('it has no client address ($remote_addr, %h or %a)');

    const requestTimeRole = [Role.RequestTimeMs, Role.RequestTimeUs, Role.RequestTimeS].find((r) => this.has(r));
    this.requestTimeIndex = requestTimeRole === undefined ? -1 : this.index(requestTimeRole);
    this.requestTimeShift = requestTimeRole === undefined ? 0 : (MS_SHIFT[requestTimeRole] as number);
    this.bytesIndex = this.has(Role.BodyBytes) ? this.index(Role.BodyBytes) : this.index(Role.BytesSent);
    this.hostIndexes = [Role.Host, Role.HttpHost, Role.ServerName].filter((r) => this.has(r)).map((r) => this.index(r));

    // Kept in extra: fields with no event slot, and slot fields that lost to a better source but
    // say something of their own (total bytes next to body bytes, the Host header next to $host).
    // Other duplicates (a second time, $uri next to $request) are views of what the event has.
    this.extraIndexes = [];
    this.fields.forEach((f, i) => {
      const shadowed =
        (f.role === Role.BytesSent && this.has(Role.BodyBytes)) ||
        ((f.role === Role.HttpHost || f.role === Role.ServerName) && this.hostIndexes[0] !== i);
      // Behind a trusted proxy (clientIpField), the proxy's own address is worth keeping too.
      const proxy = f.role === Role.ClientIp && this.forwardedIndex !== -1;
      if (f.role === Role.Extra || shadowed || proxy) this.extraIndexes.push(i);
    });

    this.sessionIndex = -1;
    this.sessionCookie = null;
    const sessionField = options.sessionIdField;
    if (sessionField !== undefined) {
      this.sessionIndex = byName(sessionField);
      if (this.sessionIndex === -1) {
        const cookieHeader = byName('http_cookie');
        if (sessionField.startsWith('cookie_') && cookieHeader !== -1) {
          this.sessionIndex = cookieHeader;
          this.sessionCookie = sessionField.slice('cookie_'.length);
        } else {
          fail(`sessionIdField '${sessionField}' is not one of its fields (${this.fields.map((f) => f.name).join(', ')})`);
        }
      }
    }
  }

  private has(role: Role): boolean {
    return (this.at[role] as number) !== -1;
  }

  private index(role: Role): number {
    return this.at[role] as number;
  }

  private strategyOf(i: number): number {
    const field = this.fields[i] as TemplateField;
    const before = this.literals[i] as string;
    const after = this.literals[i + 1] as string;
    if (i === this.fields.length - 1) return Strategy.ToLineEnd;
    if (after === '' && this.fields[i + 1]?.role === Role.ArgsWithMark) return Strategy.BeforeQuery;
    if (before.endsWith('"') && after.startsWith('"')) return Strategy.Quoted;
    if (field.role === Role.TimeLocal) return Strategy.FixedTime;
    if (field.name.startsWith('upstream_') && after.startsWith(' ')) return Strategy.List;
    return Strategy.NextLiteral;
  }

  parseLine(line: string, lineNo: number): ParseResult | null {
    let end = line.length;
    if (end > 0 && line.charCodeAt(end - 1) === 13) end--;
    let first = 0;
    while (first < end && (line.charCodeAt(first) === 32 || line.charCodeAt(first) === 9)) first++;
    if (first === end) return null;
    const failure = this.scan(line, end, lineNo);
    if (failure !== null) return failure;
    this.backslashAt = line.indexOf('\\');
    return this.build(line, lineNo);
  }

  /** Finds every field's offsets; returns a rejection, or null when the line has the format's layout. */
  private scan(line: string, end: number, lineNo: number): ParseResult | null {
    const literals = this.literals;
    const fields = this.fields;
    const starts = this.starts;
    const ends = this.ends;
    const strategies = this.strategies;
    const head = literals[0] as string;
    if (!line.startsWith(head, 0)) {
      return rejection(lineNo, 'layout', `expected ${quote(head)} at column 1, found ${preview(line, 0, end)}`);
    }
    let pos = head.length;
    const n = fields.length;
    for (let i = 0; i < n; i++) {
      const next = literals[i + 1] as string;
      let valueEnd: number;
      switch (strategies[i]) {
        case Strategy.ToLineEnd:
          valueEnd = end - next.length;
          if (valueEnd < pos || !line.startsWith(next, valueEnd)) {
            return rejection(
              lineNo,
              'layout',
              `expected the line to end with ${quote(next)} after ${(fields[i] as TemplateField).label} (from column ${pos + 1})`,
            );
          }
          break;
        case Strategy.Quoted:
          valueEnd = findClosingQuote(line, pos, end, next);
          break;
        case Strategy.FixedTime:
          valueEnd = pos + CLF_TIME_LENGTH;
          if (valueEnd > end || !line.startsWith(next, valueEnd)) {
            const label = (fields[i] as TemplateField).label;
            // Say which: a time of another shape, or the wrong text after a good one.
            const goodTime = valueEnd <= end && !Number.isNaN(parseClfTime(line, pos, valueEnd));
            return rejection(
              lineNo,
              goodTime ? 'layout' : 'bad_time',
              `expected ${label} as dd/Mon/yyyy:hh:mm:ss +zzzz then ${quote(next)} at column ${pos + 1}, found ${preview(line, pos, end)}`,
            );
          }
          break;
        case Strategy.BeforeQuery: {
          // %U%q: the path stops at the `?` %q starts with, or where the text after %q begins.
          const stop = line.indexOf(literals[i + 2] as string, pos);
          const mark = line.indexOf('?', pos);
          valueEnd = mark !== -1 && (stop === -1 || mark < stop) ? mark : stop;
          break;
        }
        case Strategy.List:
          valueEnd = findListEnd(line, pos, end, next);
          break;
        default:
          valueEnd = line.indexOf(next, pos);
          if (valueEnd > end) valueEnd = -1;
      }
      if (valueEnd < 0) return this.missingLiteral(line, end, lineNo, i, pos);
      starts[i] = pos;
      ends[i] = valueEnd;
      pos = valueEnd + next.length;
    }
    return null;
  }

  /**
   * The text after field `i` was not found. Where a value has no spaces (an address, a user
   * name) and the text starts with one, the first space is where it should have been: say so
   * there, which points at the actual damage (`expected ' [' before $time_local at column 14`).
   */
  private missingLiteral(line: string, end: number, lineNo: number, i: number, pos: number): ParseResult {
    const next = this.literals[i + 1] as string;
    const following = this.fields[i + 1];
    const space = next.startsWith(' ') && this.strategies[i] === Strategy.NextLiteral ? line.indexOf(' ', pos) : -1;
    if (space !== -1 && space < end && following !== undefined) {
      return rejection(
        lineNo,
        'layout',
        `expected ${quote(next)} before ${following.label} at column ${space + 1}, found ${preview(line, space, end)}`,
      );
    }
    return rejection(
      lineNo,
      'layout',
      `expected ${quote(next)} after ${this.label(i)} (which starts at column ${pos + 1}), found none`,
    );
  }

  /** A field's text: null for `-` or empty (both mean "not there" in access logs), escapes decoded. */
  private text(line: string, i: number): string | null {
    if (i < 0) return null;
    const s = this.starts[i] as number;
    const e = this.ends[i] as number;
    if (e === s || (e - s === 1 && line.charCodeAt(s) === DASH)) return null;
    if (this.backslashAt === -1 || this.backslashAt >= e) return line.slice(s, e);
    const slash = line.indexOf('\\', s);
    return slash !== -1 && slash < e ? unescapeLogValue(line, s, e) : line.slice(s, e);
  }

  private label(i: number): string {
    return (this.fields[i] as TemplateField).label;
  }

  private found(line: string, i: number): string {
    return `at column ${(this.starts[i] as number) + 1}, found ${preview(line, this.starts[i] as number, this.ends[i] as number)}`;
  }

  private build(line: string, lineNo: number): ParseResult {
    const starts = this.starts;
    const ends = this.ends;

    const clientIp = this.clientIp(line);
    if (clientIp === null) {
      const i = this.index(Role.ClientIp);
      return rejection(lineNo, 'missing_field', i < 0 ? 'no client address' : `${this.label(i)} is empty ${this.found(line, i)}`);
    }

    const eventTime = this.eventTime(line);
    if (Number.isNaN(eventTime)) {
      return rejection(lineNo, 'bad_time', `${this.label(this.timeIndex)} is not a valid time ${this.found(line, this.timeIndex)}`);
    }

    const statusIndex = this.index(Role.Status);
    const ss = starts[statusIndex] as number;
    const status = (ends[statusIndex] as number) - ss === 3 ? parseUnsigned(line, ss, ss + 3) : -1;
    if (status < 0) {
      return rejection(lineNo, 'bad_status', `${this.label(statusIndex)} must be 3 digits ${this.found(line, statusIndex)}`);
    }

    let bytes = 0;
    if (this.bytesIndex >= 0) {
      const bs = starts[this.bytesIndex] as number;
      const be = ends[this.bytesIndex] as number;
      if (!(be - bs === 1 && line.charCodeAt(bs) === DASH)) {
        bytes = parseUnsigned(line, bs, be);
        if (bytes < 0) {
          return rejection(lineNo, 'bad_bytes', `${this.label(this.bytesIndex)} must be a byte count or '-' ${this.found(line, this.bytesIndex)}`);
        }
      }
    }

    let requestTimeMs: number | null = null;
    const rt = this.requestTimeIndex;
    if (rt >= 0 && this.text(line, rt) !== null) {
      requestTimeMs = parseDecimal(line, starts[rt] as number, ends[rt] as number, this.requestTimeShift);
      if (Number.isNaN(requestTimeMs)) {
        return rejection(lineNo, 'bad_number', `${this.label(rt)} must be a number ${this.found(line, rt)}`);
      }
    }

    const extra: Record<string, string> = {};
    const parts = this.requestParts(line, extra);

    let host: string | null = null;
    for (const i of this.hostIndexes) {
      host = this.text(line, i);
      if (host !== null) break;
    }

    let sessionId: string | null = null;
    if (this.sessionIndex >= 0) {
      sessionId = this.text(line, this.sessionIndex);
      if (sessionId !== null && this.sessionCookie !== null) sessionId = cookieValue(sessionId, this.sessionCookie);
    }

    for (const i of this.extraIndexes) {
      const value = this.text(line, i);
      if (value !== null) extra[(this.fields[i] as TemplateField).name] = value;
    }

    const event: RequestEvent = {
      customer: this.customer,
      eventTime,
      clientIp,
      userAgent: this.text(line, this.index(Role.UserAgent)),
      method: parts.method,
      path: parts.path,
      query: parts.query,
      protocol: parts.protocol,
      status,
      bytes,
      referrer: this.text(line, this.index(Role.Referrer)),
      host,
      sessionId,
      requestTimeMs,
      extra,
    };
    return { ok: true, line: lineNo, event };
  }

  private clientIp(line: string): string | null {
    if (this.forwardedIndex >= 0) {
      const forwarded = this.text(line, this.forwardedIndex);
      const first = forwarded === null ? null : firstForwardedAddress(forwarded);
      if (first !== null) return first;
    }
    return this.text(line, this.index(Role.ClientIp));
  }

  private eventTime(line: string): number {
    const s = this.starts[this.timeIndex] as number;
    const e = this.ends[this.timeIndex] as number;
    switch (this.timeRole) {
      case Role.TimeLocal: {
        if (e - s === this.lastTimeText.length && line.startsWith(this.lastTimeText, s)) return this.lastTimeMs;
        const ms = parseClfTime(line, s, e);
        if (!Number.isNaN(ms)) {
          this.lastTimeText = line.slice(s, e);
          this.lastTimeMs = ms;
        }
        return ms;
      }
      case Role.TimeIso:
        return parseIsoTime(line, s, e);
      default:
        return Math.floor(parseDecimal(line, s, e, MS_SHIFT[this.timeRole] as number));
    }
  }

  /**
   * Method, path, query and protocol. Sources, best first: $request_method / $server_protocol;
   * for the path $request_uri (raw, with query), then $request's target, then $uri (decoded and
   * normalised by nginx, no query: the query then comes from $args / %q).
   */
  private requestParts(line: string, extra: Record<string, string>): RequestParts {
    const parts = this.parts;
    markMalformed(parts);
    const requestIndex = this.index(Role.Request);
    if (requestIndex >= 0) {
      const request = this.text(line, requestIndex);
      if (request !== null) splitRequestLine(request, parts);
      // Kept as logged (still escaped): a TLS handshake or other bytes stay printable and intact.
      if (parts.malformed && request !== null) {
        extra.request = line.slice(this.starts[requestIndex] as number, this.ends[requestIndex] as number);
      }
    }
    const methodIndex = this.index(Role.Method);
    if (methodIndex >= 0) parts.method = this.text(line, methodIndex) ?? parts.method;
    const protocolIndex = this.index(Role.Protocol);
    if (protocolIndex >= 0) parts.protocol = this.text(line, protocolIndex) ?? parts.protocol;

    const target = this.text(line, this.index(Role.RequestUri));
    if (target !== null) {
      splitTarget(target, 0, target.length, parts);
    } else if (requestIndex < 0 || parts.malformed) {
      const uri = this.text(line, this.index(Role.Uri));
      if (uri !== null) {
        parts.path = uri;
        parts.query = this.text(line, this.index(Role.Args));
        const marked = this.text(line, this.index(Role.ArgsWithMark));
        if (parts.query === null && marked !== null) parts.query = marked.startsWith('?') ? marked.slice(1) : marked;
      }
    }
    return parts;
  }
}

/** The `"` closing a quoted value: not escaped by an odd run of backslashes, followed by the rest of `next`. */
function findClosingQuote(line: string, from: number, end: number, next: string): number {
  let q = line.indexOf(next, from);
  while (q !== -1 && q < end) {
    let backslashes = 0;
    for (let k = q - 1; k >= from && line.charCodeAt(k) === BACKSLASH; k--) backslashes++;
    if ((backslashes & 1) === 0) return q;
    q = line.indexOf(next, q + 1);
  }
  return -1;
}

/** nginx joins upstream values with `, ` (several servers) and ` : ` (internal redirects). */
function findListEnd(line: string, from: number, end: number, next: string): number {
  let q = line.indexOf(next, from);
  while (q !== -1 && q < end) {
    const afterComma = q > from && line.charCodeAt(q - 1) === 44;
    const colonSeparator = line.startsWith(' : ', q) && q > from;
    if (!afterComma && !colonSeparator) return q;
    q = line.indexOf(next, q + (colonSeparator ? 3 : 1));
  }
  return -1;
}

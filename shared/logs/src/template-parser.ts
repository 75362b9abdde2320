/**
 * The parser for nginx and Apache format strings: TemplateMatcher finds each field's offsets,
 * then only the strings the event needs are cut out. One event, its `extra` and the field values
 * are all a parsed line allocates; the request-line parts and time caches are reused.
 */
import type { RequestEvent, UnloggedField } from '@weir/contracts';
import { LogFormatError } from './errors.js';
import { unescapeLogValue } from './escape.js';
import { clientAddress, NO_CLIENT_ADDRESS } from './client-address.js';
import { cookieValue, firstForwardedAddress } from './headers.js';
import { TemplateMatcher } from './matcher.js';
import { parseDecimal, parseUnsigned } from './numbers.js';
import { preview, quote, rejection } from './reject.js';
import { markMalformed, splitRequestLine, splitTarget, type RequestParts } from './request-line.js';
import { Role, type LogTemplate, type TemplateField } from './template.js';
import { ClfTimeReader, parseIsoTime } from './time.js';
import type { LogParser, ParseResult, ParserOptions } from './types.js';

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

export class TemplateParser implements LogParser {
  readonly spec: string;
  readonly customer: string;
  private readonly fields: TemplateField[];
  private readonly matcher: TemplateMatcher;
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
  /** The optional fields this format does not have: every event it parses says so. */
  private readonly unlogged: readonly UnloggedField[];
  private readonly sessionIndex: number;
  /** When the session id is a cookie read out of a logged Cookie header. */
  private readonly sessionCookie: string | null;
  private readonly forwardedIndex: number;
  /** Reused by every line: the request line's parts. */
  private readonly parts: RequestParts = { method: '-', path: '-', query: null, protocol: null, malformed: false };
  private readonly clfTime = new ClfTimeReader();
  /** First backslash of the current line, -1 for none (most lines): spares each field its own search. */
  private backslashAt = -1;

  constructor(template: LogTemplate, spec: string, options: ParserOptions = {}) {
    this.spec = spec;
    this.customer = options.customer ?? '';
    this.fields = template.fields;
    this.matcher = new TemplateMatcher(template);
    this.starts = this.matcher.starts;
    this.ends = this.matcher.ends;
    this.at = new Int32Array(32).fill(-1);
    this.fields.forEach((f, i) => {
      if (this.at[f.role] === -1) this.at[f.role] = i;
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

    const requestTimeRole = [Role.RequestTimeMs, Role.RequestTimeUs, Role.RequestTimeS].find((r) => this.has(r));
    this.requestTimeIndex = requestTimeRole === undefined ? -1 : this.index(requestTimeRole);
    this.requestTimeShift = requestTimeRole === undefined ? 0 : (MS_SHIFT[requestTimeRole] as number);
    this.bytesIndex = this.has(Role.BodyBytes) ? this.index(Role.BodyBytes) : this.index(Role.BytesSent);
    this.unlogged = [
      ...(this.has(Role.Referrer) ? [] : (['referrer'] as const)),
      ...(this.has(Role.BodyBytes) || this.has(Role.BytesSent) ? [] : (['bytes'] as const)),
      ...(this.has(Role.UserAgent) ? [] : (['userAgent'] as const)),
    ];
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
          const cookieHint = sessionField.startsWith('cookie_') ? ', and it logs no $http_cookie to take the cookie from' : '';
          fail(`session key field '${sessionField}' is not one of its fields (${this.fields.map((f) => f.name).join(', ')})${cookieHint}`);
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

  parseLine(raw: string, lineNo: number): ParseResult | null {
    // A byte-order mark opens some files written on Windows; it is not part of the first field.
    const line = raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
    let end = line.length;
    if (end > 0 && line.charCodeAt(end - 1) === 13) end--;
    let first = 0;
    while (first < end && (line.charCodeAt(first) === 32 || line.charCodeAt(first) === 9)) first++;
    if (first === end) return null;
    const failure = this.matcher.match(line, end, lineNo);
    if (failure !== null) return failure;
    this.backslashAt = line.indexOf('\\');
    return this.build(line, lineNo);
  }

  /** `-` or empty: both mean "not there" in access logs. */
  private missing(line: string, i: number): boolean {
    const s = this.starts[i] as number;
    const e = this.ends[i] as number;
    return e === s || (e - s === 1 && line.charCodeAt(s) === DASH);
  }

  /** A field's text, escapes decoded; null when the field is absent from the format or missing in the line. */
  private text(line: string, i: number): string | null {
    if (i < 0 || this.missing(line, i)) return null;
    const s = this.starts[i] as number;
    const e = this.ends[i] as number;
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

    // A redacted or unlogged address is no error: sessions keyed by a cookie do not need one.
    const clientIp = clientAddress(this.clientIp(line));

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
    if (rt >= 0 && !this.missing(line, rt)) {
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
      // One array per event: a consumer may keep the event, and must not see another's change.
      unlogged: this.unlogged.length === 0 ? [] : [...this.unlogged],
    };
    return { ok: true, line: lineNo, event };
  }

  private clientIp(line: string): string | null {
    if (this.forwardedIndex >= 0) {
      const forwarded = this.text(line, this.forwardedIndex);
      const first = forwarded === null ? null : firstForwardedAddress(forwarded);
      if (first !== null && clientAddress(first) !== NO_CLIENT_ADDRESS) return first;
    }
    return this.text(line, this.index(Role.ClientIp));
  }

  private eventTime(line: string): number {
    const s = this.starts[this.timeIndex] as number;
    const e = this.ends[this.timeIndex] as number;
    switch (this.timeRole) {
      case Role.TimeLocal:
        return this.clfTime.read(line, s, e);
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


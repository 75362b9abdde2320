/**
 * JSON lines: one object per line, as nginx `log_format ... escape=json`, CDNs, load balancers
 * and application loggers write them. Where each request part lives is configurable
 * (JsonFieldMapping, dotted paths reach into nested objects); unset parts are looked up under
 * their common names. Every key not used for the event is kept in `extra` (nested objects
 * flattened with dots, numbers and booleans as text, arrays as JSON).
 */
import type { RequestEvent } from '@weir/contracts';
import { unescapeLogValue } from './escape.js';
import { cookieValue, firstForwardedAddress } from './headers.js';
import { parseDecimal } from './numbers.js';
import { rejection } from './reject.js';
import { splitRequestLine, splitTarget, type RequestParts } from './request-line.js';
import { parseClfTime, parseIsoTime } from './time.js';
import type { JsonFieldMapping, LogParser, ParseResult, ParserOptions } from './types.js';

type Slot = Exclude<keyof JsonFieldMapping, 'requestTimeUnit'>;
type JsonObject = Record<string, unknown>;

/** Common names, first match wins: nginx variable names first, then usual logger and CDN spellings. */
export const DEFAULT_JSON_FIELDS: Readonly<Record<Slot, readonly string[]>> = {
  time: ['time', 'timestamp', '@timestamp', 'ts', 'time_iso8601', 'time_local', 'msec', 'date'],
  clientIp: ['remote_addr', 'client_ip', 'clientIp', 'ip', 'remote_ip', 'client'],
  userAgent: ['http_user_agent', 'user_agent', 'userAgent', 'ua', 'agent'],
  method: ['request_method', 'method', 'verb'],
  path: ['uri', 'path'],
  target: ['request_uri', 'url', 'target'],
  query: ['args', 'query_string', 'query'],
  request: ['request'],
  protocol: ['server_protocol', 'protocol', 'http_version'],
  status: ['status', 'status_code', 'statusCode', 'response_code'],
  bytes: ['body_bytes_sent', 'bytes_sent', 'bytes', 'size', 'response_size'],
  referrer: ['http_referer', 'referer', 'referrer'],
  host: ['host', 'http_host'],
  requestTime: ['request_time', 'request_time_ms', 'duration_ms', 'response_time_ms'],
};

/** Unit of each default request-time name; nginx's $request_time is in seconds. */
const DEFAULT_REQUEST_TIME_SHIFT: Record<string, number> = {
  request_time: 3,
  request_time_ms: 0,
  duration_ms: 0,
  response_time_ms: 0,
};

const UNIT_SHIFT = { s: 3, ms: 0, us: -3 } as const;

const COOKIE_HEADERS = ['http_cookie', 'cookie'];

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** An own key, or a dotted path into nested objects (`request.method`). */
function lookup(obj: JsonObject, key: string): unknown {
  if (Object.hasOwn(obj, key)) return obj[key];
  if (!key.includes('.')) return undefined;
  let current: unknown = obj;
  for (const part of key.split('.')) {
    if (!isObject(current) || !Object.hasOwn(current, part)) return undefined;
    current = current[part];
  }
  return current;
}

/** A scalar as text; `''` and `-` mean missing, as in every other log format. */
function asText(value: unknown): string | null {
  if (typeof value === 'string') return value === '' || value === '-' ? null : value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return null;
}

/** Integer digits of a non-negative decimal string, or -1 when it is not one. */
function integerDigits(text: string): number {
  const dot = text.indexOf('.');
  const digits = dot === -1 ? text.length : dot;
  return /^\d+(\.\d+)?$/.test(text) ? digits : -1;
}

/**
 * An epoch in seconds, milliseconds, microseconds or nanoseconds, told apart by its number of
 * integer digits (10^11 s is the year 5138, 10^11 ms is 1973), or ISO 8601, or the CLF time.
 */
export function parseJsonTime(value: unknown): number {
  const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value : null;
  if (text === null) return Number.NaN;
  const digits = integerDigits(text);
  if (digits > 0) {
    const shift = digits <= 11 ? 3 : digits <= 14 ? 0 : digits <= 17 ? -3 : -6;
    return Math.floor(parseDecimal(text, 0, text.length, shift));
  }
  if (text.length === 28 && text.startsWith('[') && text.endsWith(']')) return parseClfTime(text, 1, 27);
  const clf = parseClfTime(text, 0, text.length);
  return Number.isNaN(clf) ? parseIsoTime(text, 0, text.length) : clf;
}

/** nginx without escape=json writes `\x22` inside its JSON-looking lines: make those valid JSON escapes. */
function repairHexEscapes(text: string): string {
  return text.replace(/(?:\\x[0-9A-Fa-f]{2})+/g, (run) => JSON.stringify(unescapeLogValue(run)).slice(1, -1));
}

export class JsonLinesParser implements LogParser {
  readonly spec = 'json';
  readonly customer: string;
  private readonly names: Record<Slot, readonly string[]>;
  private readonly requestTimeShift: Record<string, number>;
  private readonly sessionIdField: string | undefined;
  private readonly clientIpField: string | undefined;
  private readonly parts: RequestParts = { method: '-', path: '-', query: null, protocol: null, malformed: false };

  constructor(options: ParserOptions = {}) {
    this.customer = options.customer ?? '';
    const mapping = options.json ?? {};
    const names = { ...DEFAULT_JSON_FIELDS };
    for (const slot of Object.keys(DEFAULT_JSON_FIELDS) as Slot[]) {
      const name = mapping[slot];
      if (name !== undefined) names[slot] = [name];
    }
    this.names = names;
    this.requestTimeShift = { ...DEFAULT_REQUEST_TIME_SHIFT };
    if (mapping.requestTime !== undefined) {
      this.requestTimeShift[mapping.requestTime] = UNIT_SHIFT[mapping.requestTimeUnit ?? 's'];
    }
    this.sessionIdField = options.sessionIdField;
    this.clientIpField = options.clientIpField;
  }

  /** The first of a slot's names that holds a value; the name is recorded in `used` so extra skips it. */
  private pick(obj: JsonObject, slot: Slot, used: string[]): { name: string; value: unknown } | null {
    for (const name of this.names[slot]) {
      const value = lookup(obj, name);
      if (value === undefined || value === null || value === '' || value === '-') continue;
      used.push(name);
      return { name, value };
    }
    return null;
  }

  private pickText(obj: JsonObject, slot: Slot, used: string[]): string | null {
    const found = this.pick(obj, slot, used);
    return found === null ? null : asText(found.value);
  }

  private tried(slot: Slot): string {
    return this.names[slot].join(', ');
  }

  parseLine(line: string, lineNo: number): ParseResult | null {
    const text = line.endsWith('\r') ? line.slice(0, -1) : line;
    if (text.trim() === '') return null;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      try {
        parsed = text.includes('\\x') ? JSON.parse(repairHexEscapes(text)) : undefined;
      } catch {
        parsed = undefined;
      }
      if (parsed === undefined) {
        return rejection(lineNo, 'bad_json', `not valid JSON (${err instanceof Error ? err.message : String(err)})`);
      }
    }
    if (!isObject(parsed)) return rejection(lineNo, 'bad_json', 'not a JSON object');
    return this.build(parsed, lineNo);
  }

  private build(obj: JsonObject, lineNo: number): ParseResult {
    const used: string[] = [];

    const time = this.pick(obj, 'time', used);
    if (time === null) return rejection(lineNo, 'missing_field', `no time (tried ${this.tried('time')})`);
    const eventTime = parseJsonTime(time.value);
    if (Number.isNaN(eventTime) || eventTime < 0) {
      return rejection(lineNo, 'bad_time', `${time.name} is not a time: ${JSON.stringify(time.value)}`);
    }

    let clientIp = this.pickText(obj, 'clientIp', used);
    if (this.clientIpField !== undefined) {
      // Behind a proxy its own address stays in extra, as in text formats.
      if (clientIp !== null) used.pop();
      const forwarded = asText(lookup(obj, this.clientIpField));
      clientIp = (forwarded === null ? null : firstForwardedAddress(forwarded)) ?? clientIp;
    }
    if (clientIp === null) return rejection(lineNo, 'missing_field', `no client address (tried ${this.tried('clientIp')})`);

    const statusField = this.pick(obj, 'status', used);
    if (statusField === null) return rejection(lineNo, 'missing_field', `no status (tried ${this.tried('status')})`);
    const statusText = asText(statusField.value);
    if (statusText === null || !/^\d{3}$/.test(statusText)) {
      return rejection(lineNo, 'bad_status', `${statusField.name} must be 3 digits: ${JSON.stringify(statusField.value)}`);
    }
    const status = Number(statusText);

    let bytes = 0;
    const bytesField = this.pick(obj, 'bytes', used);
    if (bytesField !== null) {
      const bytesText = asText(bytesField.value);
      if (bytesText === null || !/^\d+$/.test(bytesText)) {
        return rejection(lineNo, 'bad_bytes', `${bytesField.name} must be a byte count: ${JSON.stringify(bytesField.value)}`);
      }
      bytes = Number(bytesText);
    }

    let requestTimeMs: number | null = null;
    const rtField = this.pick(obj, 'requestTime', used);
    if (rtField !== null) {
      const rtText = asText(rtField.value);
      requestTimeMs = rtText === null ? Number.NaN : parseDecimal(rtText, 0, rtText.length, this.requestTimeShift[rtField.name] ?? 3);
      if (Number.isNaN(requestTimeMs)) {
        return rejection(lineNo, 'bad_number', `${rtField.name} must be a number: ${JSON.stringify(rtField.value)}`);
      }
    }

    const extra: Record<string, string> = {};
    const parts = this.requestParts(obj, used, extra);
    if (parts === null) {
      return rejection(lineNo, 'missing_field', `no path (tried ${this.tried('target')}, ${this.tried('path')}, ${this.tried('request')})`);
    }

    let sessionId: string | null = null;
    if (this.sessionIdField !== undefined) {
      sessionId = asText(lookup(obj, this.sessionIdField));
      if (sessionId === null && this.sessionIdField.startsWith('cookie_')) {
        for (const name of COOKIE_HEADERS) {
          const header = asText(lookup(obj, name));
          if (header !== null) sessionId = cookieValue(header, this.sessionIdField.slice('cookie_'.length));
          if (sessionId !== null) break;
        }
      }
    }

    const event: RequestEvent = {
      customer: this.customer,
      eventTime,
      clientIp,
      userAgent: this.pickText(obj, 'userAgent', used),
      method: parts.method,
      path: parts.path,
      query: parts.query,
      protocol: parts.protocol,
      status,
      bytes,
      referrer: this.pickText(obj, 'referrer', used),
      host: this.pickText(obj, 'host', used),
      sessionId,
      requestTimeMs,
      extra,
    };
    flatten(obj, '', used, extra);
    return { ok: true, line: lineNo, event };
  }

  /** Method, path, query, protocol: separate fields first, the request line for whatever they leave out. Null when nothing gives a path. */
  private requestParts(obj: JsonObject, used: string[], extra: Record<string, string>): RequestParts | null {
    const parts = this.parts;
    parts.method = '-';
    parts.path = '-';
    parts.query = null;
    parts.protocol = null;
    let havePath = false;
    const target = this.pickText(obj, 'target', used);
    const path = target === null ? this.pickText(obj, 'path', used) : null;
    if (target !== null) {
      splitTarget(target, 0, target.length, parts);
      havePath = true;
    } else if (path !== null) {
      parts.path = path;
      const query = this.pickText(obj, 'query', used);
      parts.query = query !== null && query.startsWith('?') ? query.slice(1) : query;
      havePath = true;
    }
    const method = this.pickText(obj, 'method', used);
    const protocol = this.pickText(obj, 'protocol', used);
    const needRequest = !havePath || method === null || protocol === null;
    const request = needRequest ? this.pickText(obj, 'request', used) : null;
    if (request !== null) {
      const { path: p, query: q } = parts;
      splitRequestLine(request, parts);
      if (parts.malformed) extra.request = request;
      if (havePath) {
        parts.path = p;
        parts.query = q;
      } else havePath = true;
    }
    if (!havePath) return null;
    if (method !== null) parts.method = method;
    if (protocol !== null) parts.protocol = protocol;
    return parts;
  }
}

/** Copies what the event did not use into `extra`: nested objects as dotted keys. */
function flatten(obj: JsonObject, prefix: string, used: readonly string[], extra: Record<string, string>): void {
  for (const key of Object.keys(obj)) {
    const name = prefix + key;
    if (used.includes(name)) continue;
    const value = obj[key];
    if (isObject(value)) flatten(value, `${name}.`, used, extra);
    else if (Array.isArray(value)) extra[name] = JSON.stringify(value);
    else {
      const text = asText(value);
      if (text !== null) extra[name] = text;
    }
  }
}

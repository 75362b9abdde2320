/**
 * JSON lines: one object per line, as nginx `log_format ... escape=json`, CDNs, load balancers
 * and application loggers write them. Where each request part lives is configurable
 * (JsonFieldMapping, dotted paths reach into nested objects); unset parts are looked up under
 * their common names. Every key not used for the event is kept in `extra` (nested objects
 * flattened with dots, numbers and booleans as text, arrays as JSON).
 */
import type { RequestEvent, UnloggedField } from '@weir/contracts';
import { clientAddress } from './client-address.js';
import { unescapeLogValue } from './escape.js';
import { cookieValue, firstForwardedAddress } from './headers.js';
import { parseDecimal, parseUnsigned } from './numbers.js';
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

/** Integer digits of a non-negative decimal string (`1697040000.123` → 10), or -1 when it is not one. */
function integerDigits(text: string): number {
  let digits = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 46 /* . */ && digits === -1 && i > 0 && i < text.length - 1) digits = i;
    else if (c < 48 || c > 57) return -1;
  }
  return digits === -1 ? text.length : digits;
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

/** Slot numbers, in DEFAULT_JSON_FIELDS order. */
const SLOTS = Object.keys(DEFAULT_JSON_FIELDS) as Slot[];
const slot = (name: Slot): number => SLOTS.indexOf(name);
const TIME = slot('time');
const CLIENT_IP = slot('clientIp');
const USER_AGENT = slot('userAgent');
const METHOD = slot('method');
const PATH = slot('path');
const TARGET = slot('target');
const QUERY = slot('query');
const REQUEST = slot('request');
const PROTOCOL = slot('protocol');
const STATUS = slot('status');
const BYTES = slot('bytes');
const REFERRER = slot('referrer');
const HOST = slot('host');
const REQUEST_TIME = slot('requestTime');
const NONE = 0x7fffffff;

/** Missing, as in every other log format: absent, null, empty or `-`. */
function isPresent(value: unknown): boolean {
  return value !== undefined && value !== null && value !== '' && value !== '-';
}

export class JsonLinesParser implements LogParser {
  readonly spec = 'json';
  readonly customer: string;
  private readonly names: Record<Slot, readonly string[]>;
  /** Top-level key → the slots it may fill, each as slot * 256 + rank among the slot's names. */
  private readonly byKey = new Map<string, number[]>();
  /** Names with a dot that are not top-level keys: looked up by path after the key pass. */
  private readonly dotted: { slot: number; rank: number; path: string }[] = [];
  private readonly requestTimeShift: Record<string, number>;
  private readonly sessionIdField: string | undefined;
  private readonly clientIpField: string | undefined;
  private readonly parts: RequestParts = { method: '-', path: '-', query: null, protocol: null, malformed: false };
  // Per-line state, reused: the best value found for each slot, its rank and its key.
  private readonly values: unknown[] = new Array<unknown>(SLOTS.length);
  private readonly ranks = new Int32Array(SLOTS.length);
  /** 1 for a slot one of whose keys the record has, whatever its value (`-` and "" included). */
  private readonly keyed = new Uint8Array(SLOTS.length);
  private readonly found: string[] = new Array<string>(SLOTS.length).fill('');

  constructor(options: ParserOptions = {}) {
    this.customer = options.customer ?? '';
    const mapping = options.json ?? {};
    const names = { ...DEFAULT_JSON_FIELDS };
    for (const name of SLOTS) {
      const given = mapping[name];
      if (given !== undefined) names[name] = [given];
    }
    this.names = names;
    SLOTS.forEach((name, slotIndex) => {
      names[name].forEach((key, rank) => {
        if (key.includes('.')) this.dotted.push({ slot: slotIndex, rank, path: key });
        // A dotted name may also be a flat key (`"http.method": "GET"`, as ECS writes them).
        const hits = this.byKey.get(key) ?? [];
        hits.push(slotIndex * 256 + rank);
        this.byKey.set(key, hits);
      });
    });
    this.requestTimeShift = { ...DEFAULT_REQUEST_TIME_SHIFT };
    if (mapping.requestTime !== undefined) {
      this.requestTimeShift[mapping.requestTime] = UNIT_SHIFT[mapping.requestTimeUnit ?? 's'];
    }
    this.sessionIdField = options.sessionIdField;
    this.clientIpField = options.clientIpField;
  }

  /** Fills values/ranks/found with the best-ranked present value of each slot. */
  private resolve(obj: JsonObject, keys: readonly string[]): void {
    this.ranks.fill(NONE);
    this.keyed.fill(0);
    for (const key of keys) {
      const hits = this.byKey.get(key);
      if (hits === undefined) continue;
      for (const code of hits) this.keyed[code >> 8] = 1;
      const value = obj[key];
      if (!isPresent(value)) continue;
      for (const code of hits) {
        const s = code >> 8;
        const rank = code & 255;
        if (rank < (this.ranks[s] as number)) {
          this.ranks[s] = rank;
          this.values[s] = value;
          this.found[s] = key;
        }
      }
    }
    for (const { slot: s, rank, path } of this.dotted) {
      if (rank >= (this.ranks[s] as number)) continue;
      const value = lookup(obj, path);
      if (value !== undefined) this.keyed[s] = 1;
      if (!isPresent(value)) continue;
      this.ranks[s] = rank;
      this.values[s] = value;
      this.found[s] = path;
    }
  }

  /** The slot's value (undefined when absent), recording its key in `used` so extra skips it. */
  private take(s: number, used: string[]): unknown {
    if (this.ranks[s] === NONE) return undefined;
    used.push(this.found[s] as string);
    return this.values[s];
  }

  private takeText(s: number, used: string[]): string | null {
    return asText(this.take(s, used));
  }

  private tried(s: number): string {
    return this.names[SLOTS[s] as Slot].join(', ');
  }

  parseLine(line: string, lineNo: number): ParseResult | null {
    // A trailing \r (CRLF files) and a byte-order mark (first line of some files) are not content.
    let text = line.endsWith('\r') ? line.slice(0, -1) : line;
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      if (text.trim() === '') return null;
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
    const keys = Object.keys(obj);
    this.resolve(obj, keys);
    const used: string[] = [];

    const time = this.take(TIME, used);
    if (time === undefined) return rejection(lineNo, 'missing_field', `no time (tried ${this.tried(TIME)})`);
    const eventTime = parseJsonTime(time);
    if (Number.isNaN(eventTime) || eventTime < 0) {
      return rejection(lineNo, 'bad_time', `${this.found[TIME]} is not a time: ${JSON.stringify(time)}`);
    }

    let clientIp = this.takeText(CLIENT_IP, used);
    if (this.clientIpField !== undefined) {
      // Behind a proxy its own address stays in extra, as in text formats.
      if (clientIp !== null) used.pop();
      const forwarded = asText(lookup(obj, this.clientIpField));
      clientIp = (forwarded === null ? null : firstForwardedAddress(forwarded)) ?? clientIp;
    }

    const statusValue = this.take(STATUS, used);
    if (statusValue === undefined) return rejection(lineNo, 'missing_field', `no status (tried ${this.tried(STATUS)})`);
    const statusText = asText(statusValue);
    const status = statusText !== null && statusText.length === 3 ? parseUnsigned(statusText, 0, 3) : -1;
    if (status < 0) {
      return rejection(lineNo, 'bad_status', `${this.found[STATUS]} must be 3 digits: ${JSON.stringify(statusValue)}`);
    }

    let bytes = 0;
    const bytesValue = this.take(BYTES, used);
    if (bytesValue !== undefined) {
      const bytesText = asText(bytesValue);
      bytes = bytesText === null ? -1 : parseUnsigned(bytesText, 0, bytesText.length);
      if (bytes < 0) {
        return rejection(lineNo, 'bad_bytes', `${this.found[BYTES]} must be a byte count: ${JSON.stringify(bytesValue)}`);
      }
    }

    let requestTimeMs: number | null = null;
    const rtValue = this.take(REQUEST_TIME, used);
    if (rtValue !== undefined) {
      const rtText = asText(rtValue);
      const rtName = this.found[REQUEST_TIME] as string;
      requestTimeMs = rtText === null ? Number.NaN : parseDecimal(rtText, 0, rtText.length, this.requestTimeShift[rtName] ?? 3);
      if (Number.isNaN(requestTimeMs)) {
        return rejection(lineNo, 'bad_number', `${rtName} must be a number: ${JSON.stringify(rtValue)}`);
      }
    }

    const extra: Record<string, string> = {};
    const parts = this.requestParts(used, extra);
    if (parts === null) {
      return rejection(lineNo, 'missing_field', `no path (tried ${this.tried(TARGET)}, ${this.tried(PATH)}, ${this.tried(REQUEST)})`);
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

    // A key the record does not have at all is a field its logger does not write: unknown, not
    // absent. A key with an empty or `-` value is logged, and says the request had none.
    const unlogged: UnloggedField[] = [];
    if (this.keyed[REFERRER] === 0) unlogged.push('referrer');
    if (this.keyed[BYTES] === 0) unlogged.push('bytes');
    if (this.keyed[USER_AGENT] === 0) unlogged.push('userAgent');
    const event: RequestEvent = {
      customer: this.customer,
      eventTime,
      // A redacted or missing address is no error: sessions keyed by a cookie do not need one.
      clientIp: clientAddress(clientIp),
      userAgent: this.takeText(USER_AGENT, used),
      method: parts.method,
      path: parts.path,
      query: parts.query,
      protocol: parts.protocol,
      status,
      bytes,
      referrer: this.takeText(REFERRER, used),
      host: this.takeText(HOST, used),
      sessionId,
      requestTimeMs,
      extra,
      unlogged,
    };
    flatten(obj, keys, '', used, extra);
    return { ok: true, line: lineNo, event };
  }

  /** Method, path, query, protocol: separate fields first, the request line for whatever they leave out. Null when nothing gives a path. */
  private requestParts(used: string[], extra: Record<string, string>): RequestParts | null {
    const parts = this.parts;
    parts.method = '-';
    parts.path = '-';
    parts.query = null;
    parts.protocol = null;
    let havePath = false;
    const target = this.takeText(TARGET, used);
    const path = target === null ? this.takeText(PATH, used) : null;
    if (target !== null) {
      splitTarget(target, 0, target.length, parts);
      havePath = true;
    } else if (path !== null) {
      parts.path = path;
      const query = this.takeText(QUERY, used);
      parts.query = query !== null && query.startsWith('?') ? query.slice(1) : query;
      havePath = true;
    }
    const method = this.takeText(METHOD, used);
    const protocol = this.takeText(PROTOCOL, used);
    const needRequest = !havePath || method === null || protocol === null;
    const request = needRequest ? this.takeText(REQUEST, used) : null;
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
function flatten(obj: JsonObject, keys: readonly string[], prefix: string, used: readonly string[], extra: Record<string, string>): void {
  for (const key of keys) {
    const name = prefix === '' ? key : prefix + key;
    if (used.includes(name)) continue;
    const value = obj[key];
    if (isObject(value)) flatten(value, Object.keys(value), `${name}.`, used, extra);
    else if (Array.isArray(value)) extra[name] = JSON.stringify(value);
    else {
      const text = asText(value);
      if (text !== null) extra[name] = text;
    }
  }
}

/** The public shapes of parsing: options, results, the parser itself. */
import type { RequestEvent } from '@weir/contracts';

/** Why a line was rejected, stable for counting and alerting; `reason` has the detail. */
export type RejectCode =
  /** Text between fields is not what the format says (wrong format, truncated line). */
  | 'layout'
  | 'bad_time'
  | 'bad_status'
  | 'bad_bytes'
  | 'bad_number'
  /** A field the event needs (client address, time, status, path) is missing or empty. */
  | 'missing_field'
  /** A JSON line that is not a JSON object. */
  | 'bad_json';

export interface ParsedLine {
  ok: true;
  line: number;
  event: RequestEvent;
}

export interface RejectedLine {
  ok: false;
  line: number;
  code: RejectCode;
  /** What is wrong and where, e.g. `expected '[' before $time_local at column 23, found '1'`. */
  reason: string;
  /** `line 17: <reason>`, ready to print. */
  message: string;
}

export type ParseResult = ParsedLine | RejectedLine;

export interface LogParser {
  /** The format spec it was built from (`combined`, `json`, or the format string). */
  readonly spec: string;
  readonly customer: string;
  /**
   * One line (without its newline; a trailing `\r` is ignored) → its event or its rejection.
   * A blank line returns null: it is not a request, and not an error either.
   */
  parseLine(line: string, lineNo: number): ParseResult | null;
}

/** Where a JSON line keeps each part of a request. Every key is optional: unset keys use common names. */
export interface JsonFieldMapping {
  /** Epoch (s, ms, µs or ns, told apart by magnitude), ISO 8601, or `10/Oct/2000:13:55:36 -0700`. */
  time?: string;
  clientIp?: string;
  userAgent?: string;
  method?: string;
  /** Path without query. */
  path?: string;
  /** Path with query, as sent (`/a?b=1`). */
  target?: string;
  query?: string;
  /** The whole request line, `GET /a HTTP/1.1`, used for what the fields above do not give. */
  request?: string;
  protocol?: string;
  status?: string;
  bytes?: string;
  referrer?: string;
  host?: string;
  requestTime?: string;
  /** Unit of `requestTime` when it is set here; default `s` as nginx's $request_time. */
  requestTimeUnit?: 's' | 'ms' | 'us';
}

export interface ParserOptions {
  /** The customer every event belongs to: the log does not say, the caller does. */
  customer?: string;
  /**
   * The field whose value becomes `sessionId`, named as in `extra` (`cookie_sid`,
   * `http_x_session_id`, a JSON key). `cookie_NAME` is also looked up in a logged Cookie header
   * ($http_cookie, %{Cookie}i, JSON `cookie`) when the format has no $cookie_NAME of its own.
   * The value also stays in `extra`.
   */
  sessionIdField?: string;
  /**
   * A field holding the real client address when a proxy or load balancer is in front
   * (e.g. `http_x_forwarded_for`): its leftmost address becomes `clientIp`, and `remote_addr`
   * is used when it is missing. The proxy's own address is then kept in `extra` (`remote_addr`).
   * Only set it when that proxy is trusted: clients can send the header.
   */
  clientIpField?: string;
  /** For the `json` format: where each part of the request is. */
  json?: JsonFieldMapping;
}

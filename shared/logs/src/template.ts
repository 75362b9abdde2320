/**
 * What nginx and Apache format strings compile to: literals alternating with fields, each field
 * tagged with the part of a RequestEvent it fills. Both dialects share one scanner (scanner.ts).
 */
import { LogFormatError } from './errors.js';

/** The part of a RequestEvent a field fills. Numbers, so the scanner's lookups stay monomorphic. */
export const Role = {
  /** Any other field: kept in `extra` under its name. */
  Extra: 0,
  ClientIp: 1,
  TimeLocal: 2,
  TimeIso: 3,
  /** Seconds with a millisecond fraction ($msec). */
  TimeSecondsFraction: 4,
  TimeEpochS: 5,
  TimeEpochMs: 6,
  TimeEpochUs: 7,
  Request: 8,
  Method: 9,
  /** Path and query as sent ($request_uri). */
  RequestUri: 10,
  /** Path only ($uri, %U). */
  Uri: 11,
  /** Query without `?` ($args). */
  Args: 12,
  /** Query with a leading `?`, or empty (Apache %q). */
  ArgsWithMark: 13,
  Protocol: 14,
  Status: 15,
  BodyBytes: 16,
  /** Bytes including headers ($bytes_sent, %O): `bytes` only when the format has no body count. */
  BytesSent: 17,
  UserAgent: 18,
  Referrer: 19,
  /** $host, %V: the request's host as the server resolved it. */
  Host: 20,
  /** The Host header as sent. */
  HttpHost: 21,
  /** The configured server name (%v): the last resort for `host`. */
  ServerName: 22,
  RequestTimeS: 23,
  RequestTimeMs: 24,
  RequestTimeUs: 25,
} as const;
export type Role = (typeof Role)[keyof typeof Role];

export interface TemplateField {
  role: Role;
  /** Name in nginx's vocabulary (`remote_addr`, `http_x_forwarded_for`, `cookie_sid`): the `extra` key and what `sessionIdField` names. */
  name: string;
  /** As written in the format (`$time_local`, `%>s`, `%{User-Agent}i`), for error messages. */
  label: string;
  /** 1-based column in the format string, for compile errors. */
  column: number;
}

export interface LogTemplate {
  dialect: 'nginx' | 'apache';
  source: string;
  /** `fields.length + 1` literals: before the first field, between fields, after the last. */
  literals: string[];
  fields: TemplateField[];
}

/** Collects literal text and fields while a format string is read, and checks the result is scannable. */
export class TemplateBuilder {
  private readonly literals: string[] = [];
  private readonly fields: TemplateField[] = [];
  private current = '';

  constructor(
    private readonly dialect: 'nginx' | 'apache',
    private readonly source: string,
  ) {}

  text(literal: string): void {
    this.current += literal;
  }

  field(field: TemplateField): void {
    const previous = this.fields[this.fields.length - 1];
    const separable = previous?.role === Role.TimeLocal || (field.role === Role.ArgsWithMark && previous?.role === Role.Uri);
    if (previous !== undefined && this.current === '' && !separable) {
      // Two fields with nothing between them cannot be told apart: only $time_local has a fixed
      // width, and Apache's `%U%q` idiom splits at the `?` that %q starts with.
      throw new LogFormatError(
        `log format: ${previous.label} and ${field.label} (column ${field.column}) have no text between them, so a line cannot be split between them: ${this.source}`,
      );
    }
    this.literals.push(this.current);
    this.current = '';
    this.fields.push(field);
  }

  build(): LogTemplate {
    if (this.fields.length === 0) {
      throw new LogFormatError(`log format has no fields: ${JSON.stringify(this.source)}`);
    }
    return { dialect: this.dialect, source: this.source, literals: [...this.literals, this.current], fields: [...this.fields] };
  }
}

/** `X-Forwarded-For` → `x_forwarded_for`, the way nginx names header variables. */
export function headerVariableName(header: string): string {
  return header.toLowerCase().replace(/-/g, '_');
}

/**
 * The request body: which content types and encodings are read, the size limits, gzip, and
 * splitting into lines. Everything here is checked from headers before the body is read where
 * it can be, so a refused request costs no memory.
 */
import { gunzip } from 'node:zlib';
import { promisify } from 'node:util';
import { IngestError } from './errors.js';

const gunzipAsync = promisify(gunzip);

export type BodyKind = 'ndjson' | 'text';
export type BodyCharset = 'utf-8' | 'latin1';

export interface BodyType {
  kind: BodyKind;
  charset: BodyCharset;
}

export type ContentCoding = 'gzip' | 'identity';

/** Media types read as NDJSON: the registered-by-use name and its unprefixed twin. */
export const NDJSON_TYPES = ['application/x-ndjson', 'application/ndjson'] as const;
export const TEXT_TYPES = ['text/plain'] as const;
export const ACCEPTED_TYPES: readonly string[] = [...NDJSON_TYPES, ...TEXT_TYPES];

const CHARSETS: Record<string, BodyCharset> = {
  'utf-8': 'utf-8',
  utf8: 'utf-8',
  // ASCII is a subset of UTF-8.
  'us-ascii': 'utf-8',
  'iso-8859-1': 'latin1',
  latin1: 'latin1',
};

/** Content-Type → how to read the body; WEIR_INGEST_UNSUPPORTED_MEDIA_TYPE (415) otherwise. */
export function bodyTypeOf(contentType: string | undefined): BodyType {
  const [rawType = '', ...params] = (contentType ?? '').split(';');
  const type = rawType.trim().toLowerCase();
  const kind: BodyKind | null = (NDJSON_TYPES as readonly string[]).includes(type)
    ? 'ndjson'
    : (TEXT_TYPES as readonly string[]).includes(type)
      ? 'text'
      : null;
  if (kind === null) {
    throw new IngestError(
      'WEIR_INGEST_UNSUPPORTED_MEDIA_TYPE',
      415,
      `${type === '' ? 'no Content-Type' : `Content-Type ${type}`}: send application/x-ndjson (one JSON log record per line) or text/plain (raw log lines)`,
    );
  }
  let charset: BodyCharset = 'utf-8';
  for (const param of params) {
    const [name, value] = param.split('=', 2).map((s) => s.trim().toLowerCase().replace(/^"|"$/g, ''));
    if (name !== 'charset' || value === undefined) continue;
    const known = CHARSETS[value];
    if (!known) {
      throw new IngestError('WEIR_INGEST_UNSUPPORTED_MEDIA_TYPE', 415, `charset ${value}: send utf-8 (or us-ascii, iso-8859-1)`);
    }
    charset = known;
  }
  return { kind, charset };
}

/** Content-Encoding → gzip or identity; WEIR_INGEST_UNSUPPORTED_ENCODING (415, as RFC 7694 says) otherwise. */
export function contentCodingOf(header: string | undefined): ContentCoding {
  const codings = (header ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s !== '' && s !== 'identity');
  if (codings.length === 0) return 'identity';
  if (codings.length === 1 && (codings[0] === 'gzip' || codings[0] === 'x-gzip')) return 'gzip';
  throw new IngestError('WEIR_INGEST_UNSUPPORTED_ENCODING', 415, `Content-Encoding ${header}: only gzip is supported`);
}

/** Content-Length as a number; null when absent (chunked); WEIR_INGEST_BAD_REQUEST when malformed. */
export function declaredLength(header: string | undefined): number | null {
  if (header === undefined) return null;
  if (!/^\d+$/.test(header.trim())) throw new IngestError('WEIR_INGEST_BAD_REQUEST', 400, `Content-Length ${JSON.stringify(header)} is not a number`);
  return Number(header);
}

export function tooLarge(what: string, maxBytes: number): IngestError {
  return new IngestError('WEIR_INGEST_BODY_TOO_LARGE', 413, `${what} is over the limit of ${maxBytes} bytes: send smaller batches`);
}

/**
 * The body as sent (after Content-Encoding). Decompression stops at `maxBytes` of output, so a
 * gzip bomb costs at most that much memory.
 */
export async function decodeBody(raw: Buffer, coding: ContentCoding, maxBytes: number): Promise<Buffer> {
  if (coding === 'identity') return raw;
  try {
    return await gunzipAsync(raw, { maxOutputLength: maxBytes });
  } catch (err) {
    if (err instanceof RangeError || (err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw tooLarge('the decompressed body', maxBytes);
    }
    throw new IngestError('WEIR_INGEST_BAD_GZIP', 400, `Content-Encoding is gzip but the body does not decompress: ${(err as Error).message}`, {
      cause: err,
    });
  }
}

/** Body bytes → text. A UTF-8 byte order mark is dropped: it is not part of the first line. */
export function bodyText(body: Buffer, charset: BodyCharset): string {
  const text = body.toString(charset === 'utf-8' ? 'utf8' : 'latin1');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/**
 * The lines of a body, without their `\n` (a trailing `\r` is left to the parser, which ignores
 * it). A final newline does not start another line; a last line without one still counts.
 */
export function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

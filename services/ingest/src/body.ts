/**
 * The request body: which content types and encodings are read, the size limits, and splitting
 * into lines (reading and decompressing are body-reader.ts's). Everything here is checked from headers before the body is read where
 * it can be, so a refused request costs no memory.
 */
import { isUtf8 } from 'node:buffer';
import { TextDecoder } from 'node:util';
import { IngestError } from './errors.js';

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

const NEWLINE = 0x0a;
/** Bytes of a valid body decoded at once: well under what V8 allocates outside the young generation. */
const SEGMENT_BYTES = 16 * 1024;
const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/** A line of the body: its text, or why it has none (too long, not the declared charset). */
export type BodyLine = { ok: true; text: string } | { ok: false; code: 'too_large' | 'invalid_utf8'; reason: string };

/**
 * Offset of the first byte that breaks UTF-8 (RFC 3629: no overlongs, no surrogates, nothing
 * past U+10FFFF), or -1 when the bytes are valid. For the reason given with `invalid_utf8`.
 */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let min: number;
    let max = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b >= 0xe0 && b <= 0xef) need = 2;
    else if (b >= 0xf0 && b <= 0xf4) need = 3;
    else return i;
    // The second byte's range rules out overlongs, surrogates and code points past U+10FFFF.
    min = b === 0xe0 ? 0xa0 : b === 0xf0 ? 0x90 : 0x80;
    if (b === 0xed) max = 0x9f;
    else if (b === 0xf4) max = 0x8f;
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      if (c === undefined) return i;
      if (k === 1 ? c < min || c > max : c < 0x80 || c > 0xbf) return i;
    }
    i += need + 1;
  }
  return -1;
}

/**
 * The lines of a decoded body, without their `\n` (a trailing `\r` is left to the parser,
 * which ignores it). A final newline does not start another line; a last line without one still
 * counts. Bytes that are not the declared charset reject their line alone (`invalid_utf8`: such a
 * body is decoded line by line with a fatal decoder), never replaced silently, and a line longer than
 * `maxLineBytes` is rejected (`too_large`) without being decoded. A UTF-8 byte order mark is
 * dropped: it is not part of the first line.
 */
export function* bodyLines(body: Buffer, charset: BodyCharset, maxLineBytes: number): Generator<BodyLine> {
  const cursor = new BodyLineCursor(body, charset, maxLineBytes);
  while (cursor.next()) {
    yield cursor.rejected === null ? { ok: true, text: cursor.text } : { ok: false, code: cursor.rejected, reason: cursor.reason };
  }
}

/**
 * bodyLines one line at a time, without an object per line (ingest's loop reads every line of
 * every body): `next()` moves to the next line and says whether there was one; then `text` is
 * its text, or `rejected` says why it has none, in detail in `reason`.
 */
export class BodyLineCursor {
  text = '';
  rejected: 'too_large' | 'invalid_utf8' | null = null;
  reason = '';
  /** Whether the body is all valid (the usual case): then decoded a segment at a time, else line by line. */
  private readonly valid: boolean;
  private readonly decoder: TextDecoder | null;
  /** Next byte of the body not yet decoded (valid) or not yet read as a line. */
  private start: number;
  /** The decoded segment being split, and where its next line starts. */
  private segment = '';
  private segmentAt = 0;

  constructor(
    private readonly body: Buffer,
    private readonly charset: BodyCharset,
    private readonly maxLineBytes: number,
  ) {
    this.start = charset === 'utf-8' && body.subarray(0, 3).equals(UTF8_BOM) ? 3 : 0;
    // The usual body is all valid: checked whole, then decoded in segments of whole lines (a
    // newline byte is never inside a UTF-8 sequence) instead of one decoder call per line.
    this.valid = charset === 'latin1' || isUtf8(body.subarray(this.start));
    this.decoder = this.valid ? null : new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  }

  next(): boolean {
    if (!this.valid) return this.nextBytes();
    if (this.segmentAt >= this.segment.length && !this.nextSegment()) return false;
    return this.nextDecoded(this.segment);
  }

  /**
   * Decodes the next SEGMENT_BYTES or so of the body, up to the end of a line: strings of that
   * size die young, where a body decoded whole (megabytes) goes straight to the old generation
   * and brings its full collections on sooner.
   */
  private nextSegment(): boolean {
    const body = this.body;
    const start = this.start;
    if (start >= body.length) return false;
    let end = start + SEGMENT_BYTES >= body.length ? body.length : body.indexOf(NEWLINE, start + SEGMENT_BYTES);
    end = end === -1 ? body.length : end + 1;
    this.segment = body.toString(this.charset === 'latin1' ? 'latin1' : 'utf8', start, end);
    this.segmentAt = 0;
    this.start = end;
    return true;
  }

  private nextDecoded(text: string): boolean {
    const start = this.segmentAt;
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    const line = text.slice(start, end);
    this.segmentAt = end + 1;
    // A UTF-8 character is at most 3 bytes per UTF-16 unit: most lines need no count at all.
    const bytes = this.charset === 'latin1' || line.length * 3 <= this.maxLineBytes ? line.length : Buffer.byteLength(line, 'utf8');
    if (bytes > this.maxLineBytes) return this.reject('too_large', tooLongReason(bytes, this.maxLineBytes));
    this.text = line;
    this.rejected = null;
    return true;
  }

  private nextBytes(): boolean {
    const body = this.body;
    const start = this.start;
    if (start >= body.length) return false;
    let end = body.indexOf(NEWLINE, start);
    if (end === -1) end = body.length;
    const bytes = body.subarray(start, end);
    this.start = end + 1;
    if (bytes.length > this.maxLineBytes) return this.reject('too_large', tooLongReason(bytes.length, this.maxLineBytes));
    try {
      this.text = (this.decoder as TextDecoder).decode(bytes);
      this.rejected = null;
      return true;
    } catch {
      const at = firstInvalidUtf8(bytes);
      return this.reject(
        'invalid_utf8',
        `not valid UTF-8 at byte ${at + 1} of the line: send UTF-8, or declare the charset (text/plain; charset=iso-8859-1)`,
      );
    }
  }

  private reject(code: 'too_large' | 'invalid_utf8', reason: string): true {
    this.text = '';
    this.rejected = code;
    this.reason = reason;
    return true;
  }
}

function tooLongReason(bytes: number, maxLineBytes: number): string {
  return `the line has ${bytes} bytes, over the limit of ${maxLineBytes}: it would not fit one Kafka record`;
}

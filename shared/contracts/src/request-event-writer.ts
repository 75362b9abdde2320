/**
 * RequestEvent's Avro encoding written field by field in one function: ingest writes one per log
 * line, and avsc's generic writer spent most of its time dispatching on unions, measuring each
 * string with `Buffer.byteLength` and copying it a unit at a time.
 *
 * It handles the common record only: every string ASCII, every field of its schema type, the
 * value fitting the buffer. Anything else returns NOT_HANDLED and avsc writes the record (or
 * refuses it), so avsc stays the authority on what is valid and on every unusual byte; a test
 * compares this writer's bytes with avsc's own. It is only installed on a Type whose canonical
 * schema is `requestEventSchema`'s (`avro.ts`): another version of the schema is avsc's alone.
 */

/** Returned when avsc must write the record instead. */
export const NOT_HANDLED = -1;

/**
 * SHA-256 of the Parsing Canonical Form of the RequestEvent schema this writer writes. The writer
 * is installed only on a Type of exactly this schema, so an edit of `requestEventSchema` (a field
 * added, even with a default) leaves records to avsc until this writer and this value are updated
 * together; `request-event-writer.test.ts` fails meanwhile.
 */
export const WRITTEN_SCHEMA_SHA256 = 'dd758e10aa0ef96a217d79373df32207c53dc825feed1969632b4bbe60c52760';

/** avsc's range for a long written in integer arithmetic; outside it, NOT_HANDLED (avsc's float path). */
const INT_ZIGZAG_LIMIT = 1073741824;

/** `value` as an Avro varint (zig-zag) at `pos`; the new position. The caller checked it is an integer in ±2^30. */
function writeSmallLong(buf: Buffer, pos: number, value: number): number {
  let zigzag = value >= 0 ? value << 1 : (~value << 1) | 1;
  while (zigzag > 0x7f) {
    buf[pos++] = (zigzag & 0x7f) | 0x80;
    zigzag >>>= 7;
  }
  buf[pos++] = zigzag;
  return pos;
}

/** A non-negative integer below 2^53 as an Avro varint; the float arithmetic avsc uses past 2^30. */
function writeLong(buf: Buffer, pos: number, value: number): number {
  if (value < INT_ZIGZAG_LIMIT) return writeSmallLong(buf, pos, value);
  let zigzag = value * 2;
  while (zigzag >= 128) {
    buf[pos++] = (zigzag % 128) | 0x80;
    zigzag = Math.floor(zigzag / 128);
  }
  buf[pos++] = zigzag;
  return pos;
}

/**
 * Node's own UTF-8 write behind `Buffer#write` (which avsc also calls): `write` with an encoding
 * argument first goes through a JavaScript dispatch on it, a cost per short string.
 */
interface Utf8Writable {
  utf8Write(text: string, offset: number): number;
}

/** Shorter strings are copied in a loop: a native call costs more than copying a few units. */
const LOOP_MAX = 20;

/**
 * An ASCII string (length, then bytes) at `pos`; NOT_HANDLED for a non-ASCII one or when it may
 * not fit (`end`).
 */
function writeAscii(buf: Buffer, pos: number, end: number, text: string): number {
  const length = text.length;
  if (length > MAX_STRING) return NOT_HANDLED;
  const header = length < 64 ? 1 : length < 8192 ? 2 : 3;
  const start = pos + header;
  // With room for any string of this length (UTF-8 takes at most 3 bytes per UTF-16 unit),
  // utf8Write writes it whole, and as many bytes as units means every unit was ASCII.
  if (length >= LOOP_MAX && start + 3 * length <= end) {
    if ((buf as unknown as Utf8Writable).utf8Write(text, start) !== length) return NOT_HANDLED;
    writeSmallLong(buf, pos, length);
    return start + length;
  }
  if (start + length > end) return NOT_HANDLED;
  pos = writeSmallLong(buf, pos, length);
  for (let i = 0; i < length; i++) {
    const unit = text.charCodeAt(i);
    if (unit > 0x7f) return NOT_HANDLED;
    buf[pos++] = unit;
  }
  return pos;
}

/** Longer strings are left to avsc, which copies them in one native call. */
const MAX_STRING = 16 * 1024;

/** `['null', 'string']`: branch 0 for null, 1 (zig-zag 2) then the string. */
function writeOptionalAscii(buf: Buffer, pos: number, end: number, value: unknown): number {
  if (value === null) {
    if (pos >= end) return NOT_HANDLED;
    buf[pos] = 0;
    return pos + 1;
  }
  if (typeof value !== 'string' || pos >= end) return NOT_HANDLED;
  buf[pos] = 2;
  return writeAscii(buf, pos + 1, end, value);
}

/** A field of `value` that must be a string. */
function asString(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

/** Room for the fixed-size parts: union branches, status, bytes, time, a double, the map and array ends. */
const FIXED_BYTES = 48;

/**
 * RequestEvent `event` written from `pos` of `buf` (Avro binary, no framing); the position after
 * it, or NOT_HANDLED (nothing of use written) when avsc must write it.
 */
export function writeRequestEvent(buf: Buffer, pos: number, event: unknown): number {
  if (typeof event !== 'object' || event === null) return NOT_HANDLED;
  const e = event as Record<string, unknown>;
  const end = buf.length;
  if (pos + FIXED_BYTES > end) return NOT_HANDLED;

  const customer = asString(e.customer);
  if (customer === null || (pos = writeAscii(buf, pos, end, customer)) < 0) return NOT_HANDLED;
  const eventTime = e.eventTime;
  // Negative, fractional or unsafe times are avsc's to write or refuse.
  if (typeof eventTime !== 'number' || !Number.isInteger(eventTime) || eventTime < 0 || eventTime > Number.MAX_SAFE_INTEGER - 1) {
    return NOT_HANDLED;
  }
  if (pos + FIXED_BYTES > end) return NOT_HANDLED;
  pos = writeLong(buf, pos, eventTime);
  const clientIp = asString(e.clientIp);
  if (clientIp === null || (pos = writeAscii(buf, pos, end, clientIp)) < 0) return NOT_HANDLED;
  if ((pos = writeOptionalAscii(buf, pos, end, e.userAgent)) < 0) return NOT_HANDLED;
  const method = asString(e.method);
  if (method === null || (pos = writeAscii(buf, pos, end, method)) < 0) return NOT_HANDLED;
  const path = asString(e.path);
  if (path === null || (pos = writeAscii(buf, pos, end, path)) < 0) return NOT_HANDLED;
  if ((pos = writeOptionalAscii(buf, pos, end, e.query)) < 0) return NOT_HANDLED;
  if ((pos = writeOptionalAscii(buf, pos, end, e.protocol)) < 0) return NOT_HANDLED;
  const status = e.status;
  // An int outside ±2^30 overflows writeSmallLong's zig-zag: avsc's.
  if (typeof status !== 'number' || status !== (status | 0) || status >= INT_ZIGZAG_LIMIT || status < -INT_ZIGZAG_LIMIT || pos + FIXED_BYTES > end) {
    return NOT_HANDLED;
  }
  pos = writeSmallLong(buf, pos, status);
  const bytes = e.bytes;
  if (typeof bytes !== 'number' || !Number.isInteger(bytes) || bytes < 0 || bytes > Number.MAX_SAFE_INTEGER - 1) return NOT_HANDLED;
  pos = writeLong(buf, pos, bytes);
  if ((pos = writeOptionalAscii(buf, pos, end, e.referrer)) < 0) return NOT_HANDLED;
  if ((pos = writeOptionalAscii(buf, pos, end, e.host)) < 0) return NOT_HANDLED;
  if ((pos = writeOptionalAscii(buf, pos, end, e.sessionId)) < 0) return NOT_HANDLED;
  if (pos + FIXED_BYTES > end) return NOT_HANDLED;
  const requestTimeMs = e.requestTimeMs;
  if (requestTimeMs === null) {
    buf[pos++] = 0;
  } else if (typeof requestTimeMs === 'number') {
    buf[pos++] = 2;
    buf.writeDoubleLE(requestTimeMs, pos);
    pos += 8;
  } else {
    return NOT_HANDLED;
  }
  // extra: a map of strings, written as avsc does (one block of every key, then the 0 ending).
  const extra = e.extra;
  if (typeof extra !== 'object' || extra === null || Array.isArray(extra)) return NOT_HANDLED;
  const keys = Object.keys(extra);
  if (keys.length > 0) {
    pos = writeSmallLong(buf, pos, keys.length);
    for (const key of keys) {
      const value = (extra as Record<string, unknown>)[key];
      if (typeof value !== 'string' || (pos = writeAscii(buf, pos, end, key)) < 0 || (pos = writeAscii(buf, pos, end, value)) < 0) {
        return NOT_HANDLED;
      }
    }
    if (pos + FIXED_BYTES > end) return NOT_HANDLED;
  }
  buf[pos++] = 0;
  // unlogged: an array of strings, the same way; absent is avsc's (it writes the default).
  const unlogged = e.unlogged;
  if (!Array.isArray(unlogged)) return NOT_HANDLED;
  if (unlogged.length > 0) {
    pos = writeSmallLong(buf, pos, unlogged.length);
    for (const item of unlogged as unknown[]) {
      if (typeof item !== 'string' || (pos = writeAscii(buf, pos, end, item)) < 0) return NOT_HANDLED;
    }
    if (pos >= end) return NOT_HANDLED;
  }
  buf[pos++] = 0;
  // Bytes past the end were never stored (a typed array drops them): the record did not fit.
  return pos <= end ? pos : NOT_HANDLED;
}

/**
 * How this package turns schema JSON into avsc Types, so every Type (reader, writer, registry check)
 * is built the same way:
 * - no logical-type implementations are registered, so `timestamp-millis` longs decode as plain
 *   JS numbers (epoch ms), matching the TS record types;
 * - longs are held to the range avsc encodes exactly (see `exactLong`);
 * - decoded records are plain objects (prototype `Object.prototype`), so they deep-equal what the
 *   producer wrote and can be spread/cloned/compared without avsc's generated record classes;
 * - a Type of exactly `requestEventSchema` writes the usual event with `writeRequestEvent`, and
 *   anything else with avsc.
 */
import avro from 'avsc';
import type { Schema, Type } from 'avsc';
import { ContractError } from './errors.js';
import { NOT_HANDLED, WRITTEN_SCHEMA_SHA256, writeRequestEvent } from './request-event-writer.js';
import { requestEventSchema } from './schemas.js';

export type AvroType = Type;

/** Schema JSON as text, or as an object (the `as const` constants in schemas.ts included). */
export type SchemaSource = string | object;

function schemaJson(schema: SchemaSource): unknown {
  if (typeof schema !== 'string') return schema;
  try {
    return JSON.parse(schema);
  } catch (err) {
    throw new ContractError('WEIR_SCHEMA_INVALID', `schema is not JSON: ${(err as Error).message}`, { cause: err });
  }
}

export function schemaText(schema: SchemaSource): string {
  // Re-stringifying normalises whitespace, so the same schema always yields the same text (and id).
  return JSON.stringify(schemaJson(schema));
}

/**
 * avsc zig-zags longs in float arithmetic: below -2^52 the odd zig-zag value rounds to even and the
 * number comes back POSITIVE; above 2^53 - 2 avsc itself refuses. Records with such values are
 * refused at encode (WEIR_RECORD_INVALID naming the field) instead of being silently corrupted.
 * No weir field comes near: epoch-ms timestamps of year 9999 are below 2^48.
 */
export const MIN_LONG = -(2 ** 52);
export const MAX_LONG = 2 ** 53 - 2;

/** The hooks avsc's compiled record readers/writers/checkers call on each field type. */
interface TypeInternals {
  _check(val: unknown, flags: unknown, hook?: (val: unknown, type: unknown) => void): boolean;
  _write(tap: unknown, val: unknown): void;
}

class ExactLongType extends avro.types.LongType {}
{
  const proto = ExactLongType.prototype as unknown as TypeInternals;
  const base = avro.types.LongType.prototype as unknown as TypeInternals;
  proto._check = function (val, flags, hook) {
    const ok = typeof val === 'number' && val >= MIN_LONG && base._check.call(this, val, flags);
    if (!ok && hook) hook(val, this);
    return ok;
  };
  proto._write = function (tap, val) {
    if (typeof val === 'number' && val < MIN_LONG) throw new Error(`long ${val} is below ${MIN_LONG}`);
    base._write.call(this, tap, val);
  };
}
const exactLong = new ExactLongType();

/** The parts of avsc's Tap that a map reader uses. */
interface Tap {
  buf: Buffer;
  pos: number;
  readLong(): number;
  skipLong(): void;
}

interface MapInternals {
  valuesType: { _read(tap: Tap): unknown };
  _read(tap: Tap): Record<string, unknown>;
}

/**
 * Per map type, the keys met at each position of the previous map read, as text and as bytes:
 * records of one kind (a session's 60 features) carry the same keys in the same order, so a key
 * is matched against its bytes instead of decoded into a new string every time.
 */
const keysRead = new WeakMap<object, { text: string[]; bytes: Buffer[] }>();
/** Positions kept per map type: a free-form map (a request's `extra`) may be long, and is read as avsc reads it past them. */
const MAX_KEYS_KEPT = 256;

function readKey(tap: Tap, seen: { text: string[]; bytes: Buffer[] }, index: number): string {
  const length = tap.readLong();
  const start = tap.pos;
  const end = start + length;
  const buf = tap.buf;
  tap.pos = end;
  // A truncated or negative length: the tap is invalid past its buffer, as avsc's own readString leaves it.
  if (length < 0 || end > buf.length) return '';
  if (index >= MAX_KEYS_KEPT) return buf.toString('utf8', start, end);
  const known = seen.bytes[index];
  if (known !== undefined && known.length === length) {
    let same = true;
    for (let i = 0; i < length; i++) {
      if (known[i] !== buf[start + i]) {
        same = false;
        break;
      }
    }
    if (same) return seen.text[index] as string;
  }
  const text = buf.toString('utf8', start, end);
  seen.text[index] = text;
  seen.bytes[index] = Buffer.from(buf.subarray(start, end));
  return text;
}

/** avsc's map reader, with its keys matched against the previous read's (see `keysRead`). */
class KeyCachingMapType extends avro.types.MapType {}
{
  const proto = KeyCachingMapType.prototype as unknown as MapInternals;
  proto._read = function (this: MapInternals, tap) {
    let seen = keysRead.get(this);
    if (seen === undefined) keysRead.set(this, (seen = { text: [], bytes: [] }));
    const values = this.valuesType;
    const map: Record<string, unknown> = {};
    let index = 0;
    for (;;) {
      let n = tap.readLong();
      if (n === 0) break;
      if (n < 0) {
        // A negative count is followed by the block's size in bytes.
        n = -n;
        tap.skipLong();
      }
      for (; n > 0; n--) map[readKey(tap, seen, index++)] = values._read(tap);
    }
    return map;
  };
}

function isMap(schema: unknown): boolean {
  return typeof schema === 'object' && schema !== null && (schema as { type?: unknown }).type === 'map';
}

function isLong(schema: unknown): boolean {
  return (
    schema === 'long' ||
    (typeof schema === 'object' && schema !== null && (schema as { type?: unknown }).type === 'long')
  );
}

export function parseSchema(schema: SchemaSource): AvroType {
  const json = schemaJson(schema);
  const registry: Record<string, Type> = {};
  let type: Type;
  try {
    // The `as const` schema constants are deeply readonly, which avsc's typings do not accept;
    // avsc never mutates its input, so the cast only widens readonly-ness.
    type = avro.Type.forSchema(json as Schema, {
      omitRecordMethods: true,
      registry,
      typeHook: (t, opts) =>
        isLong(t) ? exactLong : isMap(t) ? new KeyCachingMapType(t, opts) : isRequestEvent(t) ? new RequestEventType(t, opts) : undefined,
    });
  } catch (err) {
    throw new ContractError('WEIR_SCHEMA_INVALID', `invalid Avro schema: ${(err as Error).message}`, { cause: err });
  }
  for (const named of Object.values(registry)) {
    // With omitRecordMethods the generated constructor's prototype is empty; pointing it at
    // Object.prototype makes `new Record(...)` produce plain objects at no per-record cost.
    if (named.typeName === 'record') {
      (named as unknown as { recordConstructor: { prototype: object } }).recordConstructor.prototype = Object.prototype;
    }
  }
  return type;
}

const REQUEST_EVENT = `${requestEventSchema.namespace}.${requestEventSchema.name}`;

/** A writer of a whole record straight into a buffer: the end, or NOT_HANDLED when avsc must write it. */
export type DirectWriter = (buf: Buffer, pos: number, value: unknown) => number;

const directWriters = new WeakMap<object, DirectWriter>();

/** The type-specific writer of `type` (RequestEvent's), which spares a caller avsc's Tap and dispatch; undefined for any other. */
export function directWriterOf(type: AvroType): DirectWriter | undefined {
  return directWriters.get(type);
}

export { NOT_HANDLED } from './request-event-writer.js';

/** avsc's record type, writing with `writeRequestEvent` first and its own writer when that declines. */
class RequestEventType extends avro.types.RecordType {}
{
  const proto = RequestEventType.prototype as unknown as { _createWriter(): (tap: WriteTap, val: unknown) => void };
  const base = avro.types.RecordType.prototype as unknown as { _createWriter(): (tap: WriteTap, val: unknown) => void };
  proto._createWriter = function () {
    directWriters.set(this, writeRequestEvent);
    const avscWrite = base._createWriter.call(this);
    return function writeRequestEventRecord(tap: WriteTap, val: unknown): void {
      const end = writeRequestEvent(tap.buf, tap.pos, val);
      if (end === NOT_HANDLED) avscWrite(tap, val);
      else tap.pos = end;
    };
  };
}

/** Whether `schema` is, canonically, the RequestEvent schema `writeRequestEvent` was written for. */
function isRequestEvent(schema: unknown): boolean {
  if (typeof schema !== 'object' || schema === null) return false;
  const { type, name, namespace } = schema as { type?: unknown; name?: unknown; namespace?: unknown };
  if (type !== 'record' || (name !== REQUEST_EVENT && !(name === requestEventSchema.name && namespace === requestEventSchema.namespace))) return false;
  try {
    return avro.Type.forSchema(schema as Schema).fingerprint('sha256').toString('hex') === WRITTEN_SCHEMA_SHA256;
  } catch {
    return false;
  }
}

/** The parts of avsc's Tap a writer uses. */
interface WriteTap {
  buf: Buffer;
  pos: number;
}

/**
 * Whether data written with `writer` can be read as `reader` (Avro schema resolution).
 * Returns avsc's explanation when it cannot.
 */
export function resolutionError(reader: AvroType, writer: AvroType): string | null {
  try {
    reader.createResolver(writer);
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}

/** Dotted paths of every field of `value` that does not match `type` (`reasons.0.value`). */
export function invalidPaths(type: AvroType, value: unknown): string[] {
  const paths: string[] = [];
  type.isValid(value, { errorHook: (path) => paths.push(path.length > 0 ? path.join('.') : '(root)') });
  return paths;
}

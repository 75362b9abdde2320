/**
 * How this package turns schema JSON into avsc Types, so every Type (reader, writer, registry check)
 * is built the same way:
 * - no logical-type implementations are registered, so `timestamp-millis` longs decode as plain
 *   JS numbers (epoch ms), matching the TS record types;
 * - longs are held to the range avsc encodes exactly (see `exactLong`);
 * - decoded records are plain objects (prototype `Object.prototype`), so they deep-equal what the
 *   producer wrote and can be spread/cloned/compared without avsc's generated record classes.
 */
import avro from 'avsc';
import type { Schema, Type } from 'avsc';
import { ContractError } from './errors.js';

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
      typeHook: (t) => (isLong(t) ? exactLong : undefined),
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

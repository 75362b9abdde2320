/**
 * How records become bytes and back. The same shape as `@weir/contracts`'s Serde (its Avro,
 * schema-registry serde fits here as is); declared here too so this package depends on nothing
 * it does not need.
 */
export interface Serde<T> {
  encode(topic: string, value: T): Promise<Buffer>;
  decode(topic: string, bytes: Buffer): Promise<T>;
  /** Optional, batch-wise: each entry the value or that message's own error; a transient error rejects the call. */
  decodeMany?(topic: string, messages: readonly Buffer[]): Promise<Array<T | Error>>;
  /** Optional, batch-wise: rejects with the first value that cannot be encoded. */
  encodeMany?(items: ReadonlyArray<{ topic: string; value: T }>): Promise<Buffer[]>;
}

/** What a stage needs: decode its inputs, encode its outputs; the two types may differ. */
export interface StageSerde<In, Out> {
  decode(topic: string, bytes: Buffer): Promise<In>;
  encode(topic: string, value: Out): Promise<Buffer>;
  /** When present, the runner decodes and encodes a chunk in one call each, not a promise per record. */
  decodeMany?(topic: string, messages: readonly Buffer[]): Promise<Array<In | Error>>;
  encodeMany?(items: ReadonlyArray<{ topic: string; value: Out }>): Promise<Buffer[]>;
}

/** One serde for the input side, another for the output side; their batch methods are kept. */
export function stageSerde<In, Out>(input: Serde<In>, output: Serde<Out>): StageSerde<In, Out> {
  return {
    decode: (topic, bytes) => input.decode(topic, bytes),
    encode: (topic, value) => output.encode(topic, value),
    ...(input.decodeMany ? { decodeMany: (topic: string, messages: readonly Buffer[]) => input.decodeMany!(topic, messages) } : {}),
    ...(output.encodeMany ? { encodeMany: (items: ReadonlyArray<{ topic: string; value: Out }>) => output.encodeMany!(items) } : {}),
  };
}

/**
 * JSON, for tests and tools. `decode` checks nothing beyond JSON syntax: the type parameter is
 * the caller's promise, so use it where the bytes are known to be right.
 */
export function jsonSerde<T>(): Serde<T> {
  const parse = (bytes: Buffer) => JSON.parse(bytes.toString('utf8')) as T;
  const stringify = (value: T) => Buffer.from(JSON.stringify(value), 'utf8');
  return {
    encode: async (_topic, value) => stringify(value),
    decode: async (_topic, bytes) => parse(bytes),
    decodeMany: async (_topic, messages) =>
      messages.map((bytes) => {
        try {
          return parse(bytes);
        } catch (error) {
          return error instanceof Error ? error : new Error(String(error));
        }
      }),
    encodeMany: async (items) => items.map(({ value }) => stringify(value)),
  };
}

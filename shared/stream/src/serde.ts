/**
 * How records become bytes and back. The same shape as `@weir/contracts`'s Serde (its Avro,
 * schema-registry serde fits here as is); declared here too so this package depends on nothing
 * it does not need.
 */
export interface Serde<T> {
  encode(topic: string, value: T): Promise<Buffer>;
  decode(topic: string, bytes: Buffer): Promise<T>;
}

/** What a stage needs: decode its inputs, encode its outputs; the two types may differ. */
export interface StageSerde<In, Out> {
  decode(topic: string, bytes: Buffer): Promise<In>;
  encode(topic: string, value: Out): Promise<Buffer>;
}

/** One serde for the input side, another for the output side. */
export function stageSerde<In, Out>(input: Serde<In>, output: Serde<Out>): StageSerde<In, Out> {
  return {
    decode: (topic, bytes) => input.decode(topic, bytes),
    encode: (topic, value) => output.encode(topic, value),
  };
}

/**
 * JSON, for tests and tools. `decode` checks nothing beyond JSON syntax: the type parameter is
 * the caller's promise, so use it where the bytes are known to be right.
 */
export function jsonSerde<T>(): Serde<T> {
  return {
    encode: async (_topic, value) => Buffer.from(JSON.stringify(value), 'utf8'),
    decode: async (_topic, bytes) => JSON.parse(bytes.toString('utf8')) as T,
  };
}

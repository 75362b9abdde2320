/** How state values are written to the changelog, read back, and copied for the stage. */
export interface StateCodec<S> {
  encode(value: S): Buffer;
  decode(bytes: Buffer): S;
  /** A deep copy; defaults to decode(encode(value)). */
  clone?(value: S): S;
}

/** Plain data (what JSON and structuredClone both keep). */
export function jsonStateCodec<S>(): StateCodec<S> {
  return {
    encode: (value) => Buffer.from(JSON.stringify(value), 'utf8'),
    decode: (bytes) => JSON.parse(bytes.toString('utf8')) as S,
    clone: (value) => structuredClone(value),
  };
}

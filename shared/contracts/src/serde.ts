/**
 * How the stream runtime turns records into message bytes and back. `@weir/stream` declares the
 * same shape structurally; keep the two in step.
 */
export interface Serde<T> {
  encode(topic: string, value: T): Promise<Buffer>;
  decode(topic: string, bytes: Buffer): Promise<T>;
  /**
   * Many messages of one topic at once, without a promise per message once the writer schemas are
   * known. Each entry is the value or the error that message alone fails with (bad bytes); an
   * error that is not the message's fault (isTransient: a registry not answering) rejects the
   * whole call instead.
   */
  decodeMany?(topic: string, messages: readonly Buffer[]): Promise<Array<T | Error>>;
  /** Many values at once, in order; rejects with the first value that cannot be encoded. */
  encodeMany?(items: ReadonlyArray<{ topic: string; value: T }>): Promise<Buffer[]>;
}

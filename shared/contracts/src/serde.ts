/**
 * How the stream runtime turns records into message bytes and back. `@weir/stream` declares the
 * same shape structurally; keep the two in step.
 */
export interface Serde<T> {
  encode(topic: string, value: T): Promise<Buffer>;
  decode(topic: string, bytes: Buffer): Promise<T>;
}

import type { ConsumedMessage } from '../bus.js';

/** Splits a delivered batch into chunks of at most `maxRecords` records and about `maxBytes` bytes. */
export function* chunks(messages: ConsumedMessage[], maxRecords: number, maxBytes: number): Generator<ConsumedMessage[]> {
  let chunk: ConsumedMessage[] = [];
  let bytes = 0;
  for (const message of messages) {
    const size = (message.key?.length ?? 0) + (message.value?.length ?? 0);
    if (chunk.length > 0 && (chunk.length >= maxRecords || bytes + size > maxBytes)) {
      yield chunk;
      chunk = [];
      bytes = 0;
    }
    chunk.push(message);
    bytes += size;
  }
  if (chunk.length > 0) yield chunk;
}

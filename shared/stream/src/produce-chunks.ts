import type { OutgoingMessage } from './bus.js';

/**
 * Bytes of records per produce request. Kafka refuses a record batch over the broker's
 * message.max.bytes (1 MiB by default), and kafkajs writes one batch per partition per request.
 */
export const DEFAULT_PRODUCE_CHUNK_BYTES = 512 * 1024;
const MAX_CHUNK_MESSAGES = 5000;

/** Splits messages into produce requests of bounded size, keeping their order. */
export function chunkMessages(messages: OutgoingMessage[], maxBytes: number = DEFAULT_PRODUCE_CHUNK_BYTES): OutgoingMessage[][] {
  const chunks: OutgoingMessage[][] = [];
  let current: OutgoingMessage[] = [];
  let bytes = 0;
  for (const message of messages) {
    const size = (message.value?.length ?? 0) + (message.key?.length ?? 0) + 64;
    if (current.length > 0 && (bytes + size > maxBytes || current.length >= MAX_CHUNK_MESSAGES)) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(message);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

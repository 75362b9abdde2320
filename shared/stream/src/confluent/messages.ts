/** The client's KafkaJS-shaped messages as the bus's. */
import type { KafkaJS } from '@confluentinc/kafka-javascript';
import type { ConsumedMessage, Headers, TopicPartitionOffset } from '../bus.js';

function toHeaders(headers: KafkaJS.IHeaders | undefined): Headers {
  const result: Headers = {};
  if (headers === undefined) return result;
  for (const name in headers) {
    const value = headers[name];
    // A repeated header arrives as an array: the last value wins, as documented on `Headers`.
    const last = Array.isArray(value) ? value[value.length - 1] : value;
    if (last !== undefined) result[name] = typeof last === 'string' ? Buffer.from(last) : last;
  }
  return result;
}

export function fromClientMessages(topic: string, partition: number, messages: KafkaJS.KafkaMessage[]): ConsumedMessage[] {
  const result = new Array<ConsumedMessage>(messages.length);
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i]!;
    result[i] = {
      topic,
      partition,
      offset: Number(m.offset),
      key: m.key ?? null,
      value: m.value,
      headers: toHeaders(m.headers),
      timestamp: Number(m.timestamp),
    };
  }
  return result;
}

export function toClientOffsets(offsets: TopicPartitionOffset[]): KafkaJS.TopicPartitionOffset[] {
  return offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: String(o.offset) }));
}

/** Fetched messages in KafkaJS's shape (kafkajs's consumer) as the bus's. */
import type { ConsumedMessage, Headers, TopicPartition } from '../bus.js';

/** What kafkajs delivers: offsets and timestamps as strings. */
export interface ClientMessage {
  offset: string;
  timestamp: string;
  key?: Buffer | null;
  value: Buffer | null;
  headers?: Record<string, Buffer | string | Array<Buffer | string> | undefined>;
}

function toHeaders(headers: ClientMessage['headers']): Headers {
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

export function fromClientMessage(topic: string, partition: number, m: ClientMessage): ConsumedMessage {
  return {
    topic,
    partition,
    offset: Number(m.offset),
    key: m.key ?? null,
    value: m.value,
    headers: toHeaders(m.headers),
    timestamp: Number(m.timestamp),
  };
}

export function fromClientMessages(topic: string, partition: number, messages: readonly ClientMessage[]): ConsumedMessage[] {
  const result = new Array<ConsumedMessage>(messages.length);
  for (let i = 0; i < messages.length; i++) result[i] = fromClientMessage(topic, partition, messages[i]!);
  return result;
}

/** Partitions as kafkajs's pause/resume takes them: one entry per topic. */
export function groupByTopic(partitions: readonly TopicPartition[]): Array<{ topic: string; partitions: number[] }> {
  const byTopic = new Map<string, number[]>();
  for (const { topic, partition } of partitions) {
    const list = byTopic.get(topic);
    if (list) list.push(partition);
    else byTopic.set(topic, [partition]);
  }
  return [...byTopic].map(([topic, list]) => ({ topic, partitions: list }));
}

/** Conversions between the bus's message shapes and kafkajs's (string offsets and timestamps). */
import type { IHeaders, KafkaMessage, Message, TopicMessages } from 'kafkajs';
import type { ConsumedMessage, Headers, OutgoingMessage, TopicPartitionOffset } from '../bus.js';

export function toKafkaMessages(messages: OutgoingMessage[]): TopicMessages[] {
  const byTopic = new Map<string, Message[]>();
  for (const m of messages) {
    const list = byTopic.get(m.topic) ?? [];
    list.push({
      key: m.key,
      value: m.value,
      ...(m.headers ? { headers: m.headers } : {}),
      ...(m.partition !== undefined ? { partition: m.partition } : {}),
      ...(m.timestamp !== undefined ? { timestamp: String(m.timestamp) } : {}),
    });
    byTopic.set(m.topic, list);
  }
  return [...byTopic].map(([topic, list]) => ({ topic, messages: list }));
}

function toHeaders(headers: IHeaders | undefined): Headers {
  const result: Headers = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    // A repeated header arrives as an array: the last value wins, as documented on `Headers`.
    const last = Array.isArray(value) ? value[value.length - 1] : value;
    if (last !== undefined) result[name] = typeof last === 'string' ? Buffer.from(last) : last;
  }
  return result;
}

export function fromKafkaMessage(topic: string, partition: number, m: KafkaMessage): ConsumedMessage {
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

export function toKafkaOffsets(offsets: TopicPartitionOffset[]) {
  const byTopic = new Map<string, Array<{ partition: number; offset: string }>>();
  for (const o of offsets) {
    const list = byTopic.get(o.topic) ?? [];
    list.push({ partition: o.partition, offset: String(o.offset) });
    byTopic.set(o.topic, list);
  }
  return [...byTopic].map(([topic, partitions]) => ({ topic, partitions }));
}

/**
 * The log records of a replay: per partition, the offsets that bound its time range (Kafka's
 * timestamp index), then the records between them, read without a consumer group of the
 * pipeline's (the reader's own group never commits).
 */
import type { Bus, ConsumedMessage } from '@weir/stream';

export interface PartitionSpan {
  topic: string;
  partition: number;
  /** First offset read. */
  start: number;
  /** First offset not read. */
  end: number;
}

/** Each partition's [first record at or after `start`, first record at or after `end`). */
export async function partitionSpans(bus: Bus, topic: string, bounds: { start: number; end: number }): Promise<PartitionSpan[]> {
  const [offsets, starts, ends] = await Promise.all([
    bus.admin.fetchTopicOffsets(topic),
    bus.admin.fetchOffsetsForTimestamp(topic, bounds.start),
    bus.admin.fetchOffsetsForTimestamp(topic, bounds.end),
  ]);
  const startOf = new Map(starts.map((o) => [o.partition, o.offset]));
  const endOf = new Map(ends.map((o) => [o.partition, o.offset]));
  return offsets.map(({ partition, low, high }) => {
    // -1 (or nothing) from the timestamp index: no record that late, so the partition's end.
    const at = (found: number | undefined) => (found === undefined || found < 0 ? high : Math.min(Math.max(found, low), high));
    const start = at(startOf.get(partition));
    return { topic, partition, start, end: Math.max(start, at(endOf.get(partition))) };
  });
}

/**
 * The records of the spans of one topic, in offset order per partition, batch by batch, through
 * one reader (one group join for the topic, not one per partition). Log topics are written
 * without transactions (ingest), so offset `end - 1` is a record and reading stops there.
 */
export async function readSpans(bus: Bus, topic: string, spans: readonly PartitionSpan[], onBatch: (span: PartitionSpan, messages: ConsumedMessage[]) => void): Promise<void> {
  const wanted = spans.filter((span) => span.topic === topic && span.end > span.start);
  if (wanted.length === 0) return;
  const reader = await bus.partitionReader(topic);
  try {
    await Promise.all(wanted.map((span) =>
      reader.read({ topic, partition: span.partition, offset: span.start }, (messages) => {
        const inSpan = messages.filter((m) => m.offset < span.end);
        if (inSpan.length > 0) onBatch(span, inSpan);
        return messages[messages.length - 1]!.offset >= span.end - 1;
      }),
    ));
  } finally {
    await reader.close();
  }
}

/**
 * The window stage's first phase: each partition of `weir.sessions` (keyed by session, so a
 * customer's sessions are spread over every partition) aggregates its own sessions into pieces of
 * each customer's windows, published to `weir.window-partials` keyed by customer — every piece of
 * a customer reaches the same merging partition. Each partition also tells every merging
 * partition how far it has read (a `progress` record: the newest Kafka timestamp read), so a
 * merger knows when a partition that sent nothing for a window never will.
 */
import { MIN_LONG, type WindowPartial } from '@weir/contracts';
import { featureSetFingerprint, type WindowPiece } from '@weir/features';
import { partitionForKey, type OutputRecord } from '@weir/stream';

export function pieceRecord(piece: WindowPiece, partition: number, partitions: number, at: number): WindowPartial {
  return {
    kind: 'window',
    partition,
    partitions,
    at,
    featureSet: featureSetFingerprint,
    ...piece,
    // No watermark yet (-Infinity: not every log partition of the customer has reported): the schema's lowest long.
    watermark: Math.max(piece.watermark, MIN_LONG),
  };
}

/** `at`: every record of the partition stamped before it has been read; null: the partition was closed idle. */
export function progressRecord(partition: number, partitions: number, at: number | null): WindowPartial {
  return {
    kind: 'progress',
    partition,
    partitions,
    at,
    watermark: 0,
    customer: '',
    windowStart: 0,
    windowEnd: 0,
    sessionCount: 0,
    closed: false,
    featureSet: featureSetFingerprint,
    aggregates: [],
  };
}

/**
 * One key per partition of a topic of `count` partitions, each landing on its own partition under
 * Kafka's default partitioner: a record sent once with each reaches every partition.
 */
export function broadcastKeys(count: number): string[] {
  const keys: string[] = new Array<string>(count);
  let found = 0;
  for (let i = 0; found < count; i++) {
    const key = `progress-${i}`;
    const partition = partitionForKey(Buffer.from(key), count);
    if (keys[partition] === undefined) {
      keys[partition] = key;
      found++;
    }
  }
  return keys;
}

/** A progress record to every merging partition. */
export function broadcastProgress(topic: string, keys: readonly string[], record: WindowPartial): OutputRecord<WindowPartial>[] {
  return keys.map((key) => ({ topic, key, value: record }));
}

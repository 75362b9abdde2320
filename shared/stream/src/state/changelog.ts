/**
 * Checkpoints of partition state in a compacted changelog topic, `<groupId>.<store>.changelog`.
 *
 * One changelog topic serves every input topic of a stage (a pattern subscription has a topic
 * per customer), so a record's key names its input partition as well as its state key:
 *   `<input topic> NUL <input partition> NUL k <state key>`  → the encoded value, null if deleted
 *   `<input topic> NUL <input partition> NUL c offset`       → next input offset the state includes
 *   `<input topic> NUL <input partition> NUL c barrier`      → a restore's end mark (see restore)
 * Every record of an input partition goes to one changelog partition, chosen from the input
 * topic's hash plus the partition number, so one topic's partitions spread over the changelog's.
 * A restore reads only that changelog partition.
 */
import { randomUUID } from 'node:crypto';
import type { ConsumedMessage, OutgoingMessage, PartitionReader, TopicPartition } from '../bus.js';
import { murmur2, toPositive } from '../murmur2.js';
import type { StateCodec } from './codec.js';
import { KeyedStateStore } from './store.js';

export function changelogTopicName(groupId: string, storeName: string): string {
  return `${groupId}.${storeName}.changelog`;
}

export function changelogPartition(input: TopicPartition, changelogPartitions: number): number {
  return (toPositive(murmur2(Buffer.from(input.topic, 'utf8'))) + input.partition) % changelogPartitions;
}

function prefix(input: TopicPartition): string {
  return `${input.topic}\u0000${input.partition}\u0000`;
}

export interface Changelog<S> {
  topic: string;
  partitions: number;
  codec: StateCodec<S>;
}

function record<S>(changelog: Changelog<S>, input: TopicPartition, key: string, value: Buffer | null): OutgoingMessage {
  return { topic: changelog.topic, partition: changelogPartition(input, changelog.partitions), key, value };
}

/**
 * The changelog records of one batch: every changed key, then (for batches of input records)
 * the offset the state now includes. The offset record goes last, in the same produce call and
 * partition as the values (one record batch on the broker), so it is never seen without them.
 * A batch's changes over DEFAULT_PRODUCE_CHUNK_BYTES are sent in several requests (a record batch
 * must stay under the broker's message.max.bytes): under exactly-once one transaction still holds
 * them; under at-least-once a crash between those requests leaves values ahead of the offset
 * record. Stages keep each batch's changes small (one part per session or window) so that stays rare.
 */
export function changelogRecords<S>(
  changelog: Changelog<S>,
  input: TopicPartition,
  changes: Array<[string, S | undefined]>,
  nextOffset: number | undefined,
): OutgoingMessage[] {
  const base = prefix(input);
  // One hash per batch, not one per changed key.
  const { topic } = changelog;
  const partition = changelogPartition(input, changelog.partitions);
  const records: OutgoingMessage[] = changes.map(([key, value]) => ({
    topic,
    partition,
    key: `${base}k${key}`,
    value: value === undefined ? null : changelog.codec.encode(value),
  }));
  if (nextOffset !== undefined) records.push({ topic, partition, key: `${base}coffset`, value: Buffer.from(String(nextOffset)) });
  return records;
}

export interface RestoredState<S, L = never> {
  store: KeyedStateStore<S, L>;
  /** The next input offset the restored state already includes, if a checkpoint said so. */
  includesUpTo: number | undefined;
  records: number;
}

/**
 * Rebuilds an input partition's state from the changelog. Knowing where the changelog ends is
 * the hard part: other partitions' transactions may be open on the same changelog partition,
 * and a read_committed reader cannot see past them yet. So the restore first writes a barrier
 * record with a fresh nonce (`writeBarrier`, through the same producer the partition's
 * checkpoints use, which has just fenced any previous owner) and reads until it sees it: by
 * then every checkpoint written before is visible.
 */
export async function restoreState<S, L = never>(opts: {
  changelog: Changelog<S>;
  input: TopicPartition;
  reader: PartitionReader;
  writeBarrier: (barrier: OutgoingMessage) => Promise<void>;
  onCorrupt: (key: string, error: unknown) => void;
}): Promise<RestoredState<S, L>> {
  const { changelog, input } = opts;
  const base = prefix(input);
  const nonce = randomUUID();
  await opts.writeBarrier(record(changelog, input, `${base}cbarrier`, Buffer.from(nonce)));

  const store = new KeyedStateStore<S, L>(changelog.codec);
  let includesUpTo: number | undefined;
  let records = 0;
  const apply = (message: ConsumedMessage): boolean => {
    const key = message.key?.toString('utf8');
    if (key === undefined || !key.startsWith(base)) return false;
    const kind = key[base.length];
    const name = key.slice(base.length + 1);
    if (kind === 'k') {
      records++;
      if (message.value === null) store.put(name, undefined);
      else {
        try {
          store.put(name, changelog.codec.decode(message.value));
        } catch (err) {
          opts.onCorrupt(name, err);
        }
      }
    } else if (name === 'offset' && message.value) {
      includesUpTo = Number(message.value.toString());
    } else if (name === 'barrier' && message.value?.toString() === nonce) {
      return true;
    }
    return false;
  };
  await opts.reader.read({ topic: changelog.topic, partition: changelogPartition(input, changelog.partitions), offset: 0 }, (messages) => {
    for (const message of messages) if (apply(message)) return true;
    return false;
  });
  return { store, includesUpTo, records };
}

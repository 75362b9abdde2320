/** Fetched record batches as the bus's messages, and the fetch requests that ask for them. */
import type { ClusterMetadata, fetchV17, RecordsBatch } from '@platformatic/kafka';
import type { ConsumedMessage, Headers } from '../bus.js';

/** Bit 5 of a batch's attributes: a control batch (transaction marker), never delivered. */
const IS_CONTROL = 0b10_0000;

export interface FetchedPartition {
  topic: string;
  partition: number;
  /** Records at or after the offset asked for, in order, markers and aborted records left out. */
  messages: ConsumedMessage[];
  /** The offset after the last batch fetched (markers and aborted batches included). */
  next: number;
  highWatermark: number;
}

function toHeaders(entries: ReadonlyArray<[Buffer | null, Buffer | null]>): Headers {
  const headers: Headers = {};
  // A repeated header: the last value wins, as documented on `Headers`.
  for (const [name, value] of entries) if (name !== null) headers[name.toString('utf8')] = value ?? Buffer.alloc(0);
  return headers;
}

/** The records of `batches` from offset `from` on. */
export function batchMessages(topic: string, partition: number, batches: readonly RecordsBatch[], from: number): { messages: ConsumedMessage[]; next: number } {
  const messages: ConsumedMessage[] = [];
  let next = from;
  for (const batch of batches) {
    const first = Number(batch.firstOffset);
    next = Math.max(next, first + batch.lastOffsetDelta + 1);
    if (batch.attributes & IS_CONTROL) continue;
    const firstTimestamp = Number(batch.firstTimestamp);
    for (const record of batch.records) {
      const offset = first + record.offsetDelta;
      if (offset < from) continue;
      messages.push({
        topic,
        partition,
        offset,
        key: record.key,
        value: record.value,
        headers: record.headers.length === 0 ? {} : toHeaders(record.headers),
        timestamp: firstTimestamp + Number(record.timestampDelta),
      });
    }
  }
  return { messages, next };
}

/** The partitions of a fetch response by name (responses name topics by id). */
export function fetchedPartitions(response: fetchV17.FetchResponse, namesById: ReadonlyMap<string, string>, from: (topic: string, partition: number) => number | undefined): FetchedPartition[] {
  const result: FetchedPartition[] = [];
  for (const topicResponse of response.responses) {
    const topic = namesById.get(topicResponse.topicId) ?? topicResponse.topicId;
    for (const p of topicResponse.partitions) {
      const start = from(topic, p.partitionIndex);
      if (start === undefined) continue; // not asked for (a fetch session's lingering partition)
      const { messages, next } = batchMessages(topic, p.partitionIndex, p.records ?? [], start);
      result.push({ topic, partition: p.partitionIndex, messages, next, highWatermark: Number(p.highWatermark) });
    }
  }
  return result;
}

export interface WantedPartition {
  topic: string;
  partition: number;
  offset: number;
}

/** One fetch request per leader: the node, and the partitions it leads with their offsets. */
export function fetchRequests(metadata: ClusterMetadata, wanted: readonly WantedPartition[], maxBytesPerPartition: number): Map<number, fetchV17.FetchRequestTopic[]> {
  const byNode = new Map<number, Map<string, fetchV17.FetchRequestTopic>>();
  for (const w of wanted) {
    const topic = metadata.topics.get(w.topic);
    const leader = topic?.partitions[w.partition]?.leader;
    if (!topic || leader === undefined || leader < 0) continue;
    let topics = byNode.get(leader);
    if (!topics) byNode.set(leader, (topics = new Map()));
    let entry = topics.get(topic.id);
    if (!entry) topics.set(topic.id, (entry = { topicId: topic.id, partitions: [] }));
    entry.partitions.push({ partition: w.partition, fetchOffset: BigInt(w.offset), currentLeaderEpoch: -1, lastFetchedEpoch: -1, partitionMaxBytes: maxBytesPerPartition });
  }
  return new Map([...byNode].map(([node, topics]) => [node, [...topics.values()]]));
}

export function topicNamesById(metadata: ClusterMetadata): Map<string, string> {
  return new Map([...metadata.topics].map(([name, t]) => [t.id, name]));
}

/**
 * The bus: what the stream runtime needs from a log-structured message broker, and nothing more.
 * Two implementations: `kafka/` (kafkajs, production) and `embedded/` (in-process, the
 * single-process default and the fast tests). Both pass the same behavioural suite
 * (`test/bus.contract.ts`), so code written against this interface runs on either.
 *
 * Offsets are JavaScript numbers: exact up to 2^53, which a partition does not reach.
 * Committed offsets follow Kafka: the offset of the NEXT record to read, not the last one read.
 */

/** Header values as they arrive. When a header repeats, the last value wins. */
export type Headers = Record<string, Buffer>;
/** Header values as a producer may give them; strings are sent as UTF-8. */
export type HeadersInit = Record<string, Buffer | string>;

export interface TopicPartition {
  topic: string;
  partition: number;
}

export interface TopicPartitionOffset extends TopicPartition {
  offset: number;
}

/** A record to produce. Without `partition`, keyed records go to murmur2(key) % partitions. */
export interface OutgoingMessage {
  topic: string;
  key: Buffer | string | null;
  /** `null` is a tombstone: on a compacted topic it deletes the key. */
  value: Buffer | null;
  headers?: HeadersInit | undefined;
  partition?: number | undefined;
  /** Epoch ms; the producer's clock when omitted. */
  timestamp?: number | undefined;
}

/** Where a produced record landed. */
export interface RecordMetadata extends TopicPartition {
  /** Offset of the first record of this produce call in that partition. */
  baseOffset: number;
}

export interface ConsumedMessage extends TopicPartitionOffset {
  key: Buffer | null;
  value: Buffer | null;
  headers: Headers;
  timestamp: number;
}

export interface TopicSpec {
  topic: string;
  /** Defaults to 1. */
  partitions?: number;
  /** Copies of each partition; defaults to the broker's default.replication.factor. */
  replicationFactor?: number;
  /** Topic configuration, e.g. `{ 'cleanup.policy': 'compact' }`. */
  config?: Record<string, string>;
}

export interface PartitionOffsets {
  partition: number;
  /** First offset still in the log. */
  low: number;
  /** The offset a read_committed reader reads up to (exclusive): the last stable offset. */
  high: number;
}

export interface BusAdmin {
  /** Creates the topics that do not exist yet; returns the names it created. */
  createTopics(specs: TopicSpec[]): Promise<string[]>;
  listTopics(): Promise<string[]>;
  /** Throws WEIR_BUS_UNKNOWN_TOPIC for a topic that does not exist. */
  partitionCount(topic: string): Promise<number>;
  /** Values of the named configuration entries of a topic (`cleanup.policy`, ...); unknown names are left out. */
  describeTopicConfig(topic: string, names: string[]): Promise<Record<string, string>>;
  /** Grows a topic to `total` partitions (Kafka cannot shrink one). */
  createPartitions(topic: string, total: number): Promise<void>;
  /** Sets these configuration entries of a topic, leaving its other overrides as they are. */
  alterTopicConfig(topic: string, config: Record<string, string>): Promise<void>;
  fetchTopicOffsets(topic: string): Promise<PartitionOffsets[]>;
  /** Per partition, the first offset whose timestamp is >= `timestamp`; `high` when there is none. */
  fetchOffsetsForTimestamp(topic: string, timestamp: number): Promise<TopicPartitionOffset[]>;
  /** The group's committed offsets for these topics; partitions without a commit are left out. */
  fetchCommittedOffsets(groupId: string, topics: string[]): Promise<TopicPartitionOffset[]>;
  deleteTopics(topics: string[]): Promise<void>;
  /** How many members a consumer group has now (0: nobody is consuming; its offsets may be changed). */
  groupMembers(groupId: string): Promise<number>;
  /**
   * Sets a group's committed offsets from outside it, as `kafka-consumer-groups --reset-offsets`
   * does. Kafka refuses while the group has members (WEIR_BUS_KAFKA).
   */
  setCommittedOffsets(groupId: string, offsets: TopicPartitionOffset[]): Promise<void>;
}

export interface ProducerOptions {
  /**
   * Makes the producer transactional. A second producer opened with the same id fences this
   * one: its next send, sendOffsets or commit fails with WEIR_BUS_FENCED, and the transaction
   * it had open is aborted.
   */
  transactionalId?: string | undefined;
  /**
   * Whether `send` reports where the records landed (default true). Without it, a send may
   * resolve with an empty array, once its records are durable (in a transaction: once they are
   * in it; the commit then fails if any was not written). That spares a client like librdkafka a
   * delivery report per record, which costs more than the produce itself.
   */
  recordMetadata?: boolean | undefined;
}

/** Producers are idempotent: a retried send never writes a record twice. */
export interface BusProducer {
  /**
   * True when the records of sends called one after another land in that order in each
   * partition even while the earlier sends are still in flight (the client queues them in call
   * order, as librdkafka does): the runner then keeps several writes of a partition in flight.
   * Otherwise a send may overtake one called before it, and the runner waits for each.
   */
  readonly ordersSends?: boolean;
  send(messages: OutgoingMessage[]): Promise<RecordMetadata[]>;
  /** Only for a transactional producer; one transaction at a time. */
  beginTransaction(): Promise<BusTransaction>;
  close(): Promise<void>;
}

export interface BusTransaction {
  send(messages: OutgoingMessage[]): Promise<RecordMetadata[]>;
  /** Commits these consumer offsets for the group if, and only if, the transaction commits. */
  sendOffsets(groupId: string, offsets: TopicPartitionOffset[]): Promise<void>;
  commit(): Promise<void>;
  abort(): Promise<void>;
}

export type IsolationLevel = 'read_committed' | 'read_uncommitted';

/** Every bus's default for `ConsumerOptions.maxBatchBytes`. */
export const DEFAULT_MAX_BATCH_BYTES_PER_PARTITION = 1024 * 1024;

export interface ConsumerOptions {
  groupId: string;
  /** Defaults to read_committed: records of open or aborted transactions are never delivered. */
  isolation?: IsolationLevel;
  /** Where a partition without a committed offset starts. Defaults to earliest. */
  startFrom?: 'earliest' | 'latest';
  /** Upper bound on the bytes of one delivered batch (per partition). Defaults to DEFAULT_MAX_BATCH_BYTES_PER_PARTITION. */
  maxBatchBytes?: number;
  /** How many partitions' batches may be handled at once. Defaults to 1. */
  concurrency?: number;
  /** Time after which a silent member is dropped from the group (Kafka only). */
  sessionTimeoutMs?: number;
  /**
   * Called before any batch of these partitions is delivered, and awaited: restore state, seek.
   * Partitions not listed are not delivered until the callback resolves.
   */
  onPartitionsAssigned?: (partitions: TopicPartition[]) => Promise<void>;
  /** Called when partitions are taken away, after their last batch was handled; awaited. */
  onPartitionsRevoked?: (partitions: TopicPartition[]) => Promise<void>;
  /** Called when the consumer has stopped delivering for good (a failure it cannot recover from). */
  onFailure?: (error: Error) => void;
}

/** The records of one partition delivered together, in offset order. */
export interface MessageBatch extends TopicPartition {
  messages: ConsumedMessage[];
  /** Offset the partition's next record will get, as of the fetch. */
  highWatermark: number;
  /** Keeps group membership alive during long processing. */
  heartbeat(): Promise<void>;
  /** True once a seek made this batch obsolete: stop handling it. */
  isStale(): boolean;
}

/**
 * Handles one batch. When it resolves, the consumer's position moves past the batch (nothing is
 * committed: commit explicitly or through a transaction). When it rejects, the batch is delivered
 * again after a pause.
 */
export type BatchHandler = (batch: MessageBatch) => Promise<void>;

export interface BusConsumer {
  /** Topic names, or a pattern that also picks up matching topics created later. Call before run. */
  subscribe(topics: string[] | RegExp): Promise<void>;
  /** Joins the group and starts delivering; resolves once started. */
  run(handler: BatchHandler): Promise<void>;
  commit(offsets: TopicPartitionOffset[]): Promise<void>;
  committed(topics: string[]): Promise<TopicPartitionOffset[]>;
  /** Partitions currently owned by this member. */
  assignment(): TopicPartition[];
  /**
   * The offset after the last record of that partition this member has handled or passed over
   * (transaction markers, aborted records), as of its last delivery; undefined before the first.
   * Compared with the partition's `high` offset it tells whether the member has caught up.
   */
  position(tp: TopicPartition): number | undefined;
  /** Next delivery of that partition starts at `offset`. Only for an owned partition. */
  seek(position: TopicPartitionOffset): void;
  /** Seeks every owned partition of the topic to the first record at or after `timestamp`. */
  seekToTimestamp(topic: string, timestamp: number): Promise<void>;
  pause(partitions: TopicPartition[]): void;
  resume(partitions: TopicPartition[]): void;
  /** Waits for the batch in hand, leaves the group, disconnects. */
  stop(): Promise<void>;
}

/**
 * Reads one partition without a consumer group, as a state restore needs: from an offset until
 * the caller has seen what it waits for.
 */
export interface PartitionReader {
  /**
   * Delivers the partition's records (read_committed) from `from` on, batch by batch, until
   * `onBatch` returns true.
   */
  read(
    position: TopicPartitionOffset,
    onBatch: (messages: ConsumedMessage[]) => boolean | Promise<boolean>,
  ): Promise<void>;
  close(): Promise<void>;
}

export type BusKind = 'embedded' | 'kafka';

export interface Bus {
  readonly kind: BusKind;
  readonly admin: BusAdmin;
  /** A connected producer; transactional when given a transactional id (fencing older ones). */
  producer(options?: ProducerOptions): Promise<BusProducer>;
  consumer(options: ConsumerOptions): BusConsumer;
  /** A reader of this topic's partitions. */
  partitionReader(topic: string): Promise<PartitionReader>;
  /** Closes every producer, consumer and reader this bus opened. */
  close(): Promise<void>;
}

export function topicPartitionKey(tp: TopicPartition): string {
  return `${tp.topic}:${tp.partition}`;
}

export function headerBuffer(value: Buffer | string): Buffer {
  return typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
}

export function keyBuffer(key: Buffer | string | null): Buffer | null {
  return key === null ? null : typeof key === 'string' ? Buffer.from(key, 'utf8') : key;
}

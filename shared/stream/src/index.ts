/** @weir/stream: the bus (Kafka or embedded), the stage runner, state, dead letters, config, metrics, logs. */
export type {
  Bus,
  BusAdmin,
  BusConsumer,
  BusKind,
  BusProducer,
  BusTransaction,
  BatchHandler,
  ConsumedMessage,
  ConsumerOptions,
  Headers,
  HeadersInit,
  IsolationLevel,
  MessageBatch,
  OutgoingMessage,
  PartitionOffsets,
  PartitionReader,
  ProducerOptions,
  RecordMetadata,
  TopicPartition,
  TopicPartitionOffset,
  TopicSpec,
} from './bus.js';
export { topicPartitionKey } from './bus.js';
export { StreamError, isStreamError, describeError, type StreamErrorCode } from './errors.js';
export { StageHealth } from './health.js';
export { DEFAULT_RETRY, RetryAborted, backoffDelay, retryUntil, type RetryOptions, type RetryPolicy } from './retry.js';
export { murmur2, toPositive, partitionForKey } from './murmur2.js';

export { EmbeddedBus, createEmbeddedBus, type EmbeddedBusOptions } from './embedded/index.js';
export { KafkaBus, connectKafkaBus, type KafkaBusOptions } from './kafka/index.js';
export { createBus, createBusFromEnv } from './create-bus.js';

export {
  busConfigFromEnv,
  busEnv,
  DEFAULT_KAFKA_TUNING,
  type BusConfig,
  type KafkaClientName,
  type KafkaConnection,
  type KafkaTls,
  type KafkaTuning,
  type SaslMechanism,
} from './config.js';
export { env, EnvVar, readEnv, parseEnv, parseDuration, describeEnv, configError, type EnvSpec, type EnvValues, type ParsedEnv } from './env.js';

export { runStage, type DeliveryGuarantee, type RunStageOptions, type StateOptions } from './runner.js';
export type { InputRecord, LiveSlot, OutputRecord, Stage, StageContext, StageOutputs, StateView } from './stage.js';
export { jsonSerde, stageSerde, type Serde, type StageSerde } from './serde.js';
export { jsonStateCodec, type StateCodec } from './state/codec.js';
export { changelogTopicName } from './state/changelog.js';
export { DLQ_HEADERS, deadLetterTopicName } from './dead-letter.js';
export { noopMetrics, promStageMetrics, type StageMetrics } from './metrics.js';
export { createLogger, silentLogger, type Logger } from './log.js';
export { sleep } from './sleep.js';
export { whenAborted } from './aborted.js';
export { chunkMessages, DEFAULT_PRODUCE_CHUNK_BYTES } from './produce-chunks.js';

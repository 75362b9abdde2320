export * from './records.js';
export * from './topics.js';
export * from './schemas.js';
export * from './topic-schemas.js';
export * from './session-progress.js';
export * from './errors.js';
export { CodedError, errorCode, isTransient, recordReason } from './coded-error.js';
export * from './serde.js';
export { MAGIC_BYTE, HEADER_LENGTH, frame, unframe, type Frame } from './wire-format.js';
export { MAX_LONG, MIN_LONG, parseSchema, schemaText, type AvroType, type SchemaSource } from './avro.js';
export {
  COMPATIBILITY_LEVELS,
  DEFAULT_COMPATIBILITY,
  subjectOf,
  type CompatibilityLevel,
  type SchemaRegistry,
} from './registry.js';
export { EmbeddedRegistry, type SubjectVersion } from './embedded-registry.js';
export { ConfluentRegistry, type ConfluentRegistryOptions } from './confluent-registry.js';
export { RegistrySerde, type RegistrySerdeOptions } from './registry-serde.js';
export { createSerde, createRegistry, serdeConfigFromEnv, processRegistry, type SerdeConfig } from './create-serde.js';

/**
 * What the serde needs from a schema registry. Two implementations: `EmbeddedRegistry` (in memory,
 * for one process and fast tests) and `ConfluentRegistry` (a Confluent-compatible HTTP registry).
 */
import type { SchemaSource } from './avro.js';

export const COMPATIBILITY_LEVELS = [
  'NONE',
  'BACKWARD',
  'BACKWARD_TRANSITIVE',
  'FORWARD',
  'FORWARD_TRANSITIVE',
  'FULL',
  'FULL_TRANSITIVE',
] as const;
export type CompatibilityLevel = (typeof COMPATIBILITY_LEVELS)[number];

/** The level every subject of ours gets: consumers upgrade first, so new readers must read old data. */
export const DEFAULT_COMPATIBILITY: CompatibilityLevel = 'BACKWARD';

export interface SchemaRegistry {
  /**
   * Registers `schema` under `subject`, or finds it when that subject already holds it, and returns
   * its registry-wide id. A change the subject's compatibility level forbids is rejected with
   * WEIR_SCHEMA_INCOMPATIBLE.
   */
  register(subject: string, schema: SchemaSource): Promise<number>;
  /** The schema a registry-wide id stands for; WEIR_SCHEMA_UNKNOWN_ID when there is none. */
  schemaById(id: number): Promise<SchemaSource>;
}

/** TopicNameStrategy: the subject of a topic's values (or keys). */
export function subjectOf(topic: string, part: 'value' | 'key' = 'value'): string {
  return `${topic}-${part}`;
}

/**
 * The topics between stages. A namespace (the services' WEIR_TOPIC_NAMESPACE) puts them under a
 * prefix (`staging.weir.sessions`), so that a second pipeline — staging, a test run — shares a
 * cluster without reading the first one's records. Log topics keep their names: ingest writes those.
 */
import { SCORES_TOPIC, SESSIONS_TOPIC, WINDOW_PARTIALS_TOPIC, WINDOWS_TOPIC, createSerde, topicSchema, type RegistrySerde, type SerdeConfig } from '@weir/contracts';
import type { Bus, TopicSpec } from '@weir/stream';

export interface PipelineTopicsOptions {
  /** Partitions of each topic this creates; the most instances of a stage that can share the work. Default 6. */
  partitions?: number;
  /** Prefix of every topic name. Default none. */
  namespace?: string | undefined;
}

export function topicIn(namespace: string | undefined, topic: string): string {
  return namespace ? `${namespace}.${topic}` : topic;
}

/**
 * The topics between stages, created when missing so that every service can start in any order.
 * `weir.windows` is compacted on (customer, window): its readers want each window's last summary.
 * `weir.window-partials` is not: its readers keep what they need in their own checkpointed state.
 */
export function pipelineTopics(options: PipelineTopicsOptions = {}): TopicSpec[] {
  const partitions = options.partitions ?? 6;
  const topic = (name: string) => topicIn(options.namespace, name);
  return [
    { topic: topic(SESSIONS_TOPIC), partitions },
    { topic: topic(WINDOW_PARTIALS_TOPIC), partitions },
    { topic: topic(WINDOWS_TOPIC), partitions, config: { 'cleanup.policy': 'compact' } },
    { topic: topic(SCORES_TOPIC), partitions },
  ];
}

export async function ensurePipelineTopics(bus: Bus, options: PipelineTopicsOptions = {}): Promise<string[]> {
  return bus.admin.createTopics(pipelineTopics(options));
}

/**
 * A serde that takes a namespaced topic's schema from its plain name; registry subjects keep the
 * full name. `schemaAliases` lends a topic another's schema (a dead-letter topic of score records).
 * `registry`: which schema registry; from the environment by default.
 */
export function namespacedSerde<T>(
  namespace: string | undefined,
  schemaAliases: Record<string, string> = {},
  registry?: SerdeConfig,
): RegistrySerde<T> {
  const prefix = namespace ? `${namespace}.` : '';
  const plain = (topic: string) => (prefix && topic.startsWith(prefix) ? topic.slice(prefix.length) : topic);
  return createSerde<T>(registry, { schemaOf: (topic) => topicSchema(schemaAliases[plain(topic)] ?? plain(topic)) });
}

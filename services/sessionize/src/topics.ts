/**
 * The pipeline's own topics, by name. WEIR_TOPIC_NAMESPACE puts them under a prefix
 * (`staging.weir.sessions`), so that a second pipeline — staging, a test run — shares a cluster
 * without reading the first one's records. Log topics keep their names: ingest writes those.
 */
import { createSerde, topicSchema, type RegistrySerde } from '@weir/contracts';
import { pipelineTopics } from '@weir/pipeline';
import type { Bus } from '@weir/stream';

export function topicIn(namespace: string | undefined, topic: string): string {
  return namespace ? `${namespace}.${topic}` : topic;
}

/** A serde that takes a namespaced topic's schema from its plain name; registry subjects keep the full name. */
export function namespacedSerde<T>(namespace: string | undefined): RegistrySerde<T> {
  const prefix = namespace ? `${namespace}.` : '';
  return createSerde<T>(undefined, { schemaOf: (topic) => topicSchema(prefix && topic.startsWith(prefix) ? topic.slice(prefix.length) : topic) });
}

/** Creates the missing pipeline topics (as `ensurePipelineTopics` does, under the namespace), so services start in any order. */
export async function ensureTopics(bus: Bus, namespace: string | undefined): Promise<void> {
  await bus.admin.createTopics(pipelineTopics().map((spec) => ({ ...spec, topic: topicIn(namespace, spec.topic) })));
}

import { SCORES_TOPIC, type RegistrySerde } from '@weir/contracts';
import { namespacedSerde } from '@weir/pipeline';

/** Where Elasticsearch's refused scores go: score records as they were, with the reason in a header. */
export const ES_DEAD_LETTER_TOPIC = 'weir.scores.es-dlq';

/** The namespaced serde, with the dead-letter topic framed under the `weir.scores` schema. */
export function scoreTopicsSerde<T>(namespace: string | undefined): RegistrySerde<T> {
  return namespacedSerde<T>(namespace, { [ES_DEAD_LETTER_TOPIC]: SCORES_TOPIC });
}

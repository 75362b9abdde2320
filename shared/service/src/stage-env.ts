/**
 * Settings every stage service reads the same way, and the checks of the variables other
 * packages read later (bus, schema registry), so that one start-up reports every problem.
 */
import { busConfigFromEnv, env, isStreamError } from '@weir/stream';

const NAME = /^[A-Za-z0-9_-]{1,100}$/;

/** Puts the pipeline's own topics under a prefix: `<ns>.weir.sessions`, `<ns>.weir.windows`, `<ns>.weir.scores`. */
export const namespaceEnv = env.string('WEIR_TOPIC_NAMESPACE', { pattern: NAME, expected: 'letters, digits, _ -' }).optional().describe('Prefix of the pipeline topics: <ns>.weir.sessions, <ns>.weir.windows, <ns>.weir.scores (unset: no prefix)');
/** Consumer groups are `<prefix>-sessionize`, `<prefix>-window`, `<prefix>-score`: one variable renames them all. */
export const groupPrefixEnv = env.string('WEIR_GROUP_PREFIX', { pattern: NAME, expected: 'letters, digits, _ -' }).default('weir').describe('Consumer groups are <prefix>-sessionize, <prefix>-window, <prefix>-score');

/** Problems of the bus (WEIR_BUS, KAFKA_*) and registry (SCHEMA_REGISTRY_*) variables; none when they are fine. */
export function connectionProblems(source: NodeJS.ProcessEnv): string[] {
  const problems: string[] = [];
  try {
    busConfigFromEnv(source);
  } catch (err) {
    if (!isStreamError(err, 'WEIR_CONFIG')) throw err;
    problems.push(...err.problems);
  }
  if (Boolean(source.SCHEMA_REGISTRY_USERNAME?.trim()) !== Boolean(source.SCHEMA_REGISTRY_PASSWORD?.trim())) {
    problems.push('SCHEMA_REGISTRY_USERNAME and SCHEMA_REGISTRY_PASSWORD go together: set both or neither');
  }
  return problems;
}

import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { applyTopicPlan, describeChange, desiredTopics, existingTopics, planTopics, TopicConfigError, type TopicConfigFile, type TopicPlan } from '@weir/pipeline';
import { createBusFromEnv } from '@weir/stream';
import type { Command } from '../command.js';
import { UsageError } from '../command.js';

const USAGE = `weir topics plan|apply [--config FILE.json] [--namespace NS] [--group-prefix P]

Creates or updates the pipeline's topics from one declarative config: weir.sessions, weir.windows
(compacted), weir.scores, each stage's changelog (compacted) and dead-letter topic. The broker is
the one of the services: KAFKA_BROKERS and the other KAFKA_* variables.

  plan                  print what apply would change; changes nothing
  apply                 create missing topics, add partitions, set cleanup.policy and retention.ms;
                        idempotent (a second apply changes nothing); never deletes a topic, removes
                        partitions or changes an existing topic's replication (reported instead)
  --config FILE         JSON: { "namespace", "groupPrefix", "defaults": { partitions, replicationFactor,
                        retentionMs, cleanupPolicy }, "topics": { "weir.scores": { ... }, "changelog:window": { ... } } }
  --namespace NS        topic namespace (default: the file's, else WEIR_TOPIC_NAMESPACE)
  --group-prefix P      consumer group prefix (default: the file's, else WEIR_GROUP_PREFIX, else weir)

The last line of stdout is one JSON object: { "mode", "created", "partitionsAdded", "configured", "unchanged", "warnings" }.`;

function readConfig(path: string | undefined): TopicConfigFile {
  if (path === undefined) return {};
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError(`--config ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  try {
    const parsed = JSON.parse(text) as unknown;
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('expected a JSON object');
    return parsed as TopicConfigFile;
  } catch (err) {
    throw new UsageError(`--config ${path}: ${(err as Error).message}`);
  }
}

function summary(mode: string, plan: TopicPlan): Record<string, unknown> {
  const of = (kind: string) => plan.changes.filter((c) => c.kind === kind).map((c) => c.topic);
  return { mode, created: of('create'), partitionsAdded: of('add-partitions'), configured: of('set-config'), unchanged: plan.unchanged, warnings: plan.warnings };
}

export const command: Command = {
  summary: "Plan or apply the pipeline's topics (partitions, replication, retention, compaction) from one config.",
  usage: USAGE,
  async run(argv) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { config: { type: 'string' }, namespace: { type: 'string' }, 'group-prefix': { type: 'string' } },
    });
    const [mode, ...extra] = positionals;
    if ((mode !== 'plan' && mode !== 'apply') || extra.length > 0) throw new UsageError('say plan or apply');
    const file = readConfig(values.config);
    const namespace = values.namespace ?? file.namespace ?? (process.env.WEIR_TOPIC_NAMESPACE?.trim() || undefined);
    const groupPrefix = values['group-prefix'] ?? file.groupPrefix ?? (process.env.WEIR_GROUP_PREFIX?.trim() || undefined);
    let desired;
    try {
      desired = desiredTopics({ ...file, ...(namespace ? { namespace } : {}), ...(groupPrefix ? { groupPrefix } : {}) });
    } catch (err) {
      if (err instanceof TopicConfigError) throw new UsageError(err.message);
      throw err;
    }
    const bus = await createBusFromEnv();
    try {
      const plan = planTopics(desired, await existingTopics(bus.admin, desired.map((d) => d.topic)));
      for (const change of plan.changes) console.log(`${mode === 'plan' ? 'would ' : ''}${describeChange(change)}`);
      for (const warning of plan.warnings) console.log(`warning: ${warning}`);
      if (plan.changes.length === 0) console.log(`no changes: ${plan.unchanged.length} topics as configured`);
      if (mode === 'apply') await applyTopicPlan(bus.admin, plan);
      console.log(JSON.stringify(summary(mode, plan)));
      return 0;
    } finally {
      await bus.close();
    }
  },
};

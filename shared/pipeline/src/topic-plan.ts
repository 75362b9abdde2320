/**
 * The pipeline's topics as one declarative config (`weir topics plan | apply`): each topic's
 * partitions, replication, retention and cleanup policy, compared with what the cluster has, as a
 * list of changes. Planning is pure; `applyTopicPlan` is the only part that talks to the bus.
 *
 * What apply can do, as Kafka allows: create a missing topic, add partitions (never remove any),
 * set configuration entries. It never deletes a topic nor changes an existing topic's replication
 * (that needs a partition reassignment): a difference there is reported, not acted on.
 */
import { SCORES_TOPIC, SESSIONS_TOPIC, WINDOW_PARTIALS_TOPIC, WINDOWS_TOPIC } from '@weir/contracts';
import { changelogTopicName, deadLetterTopicName, type BusAdmin } from '@weir/stream';
import { topicIn } from './topics.js';

export type CleanupPolicy = 'delete' | 'compact' | 'compact,delete';

export interface TopicSettings {
  partitions: number;
  /** -1: the broker's default.replication.factor. */
  replicationFactor: number;
  /** retention.ms; -1 keeps records forever. Left unset for compacted topics unless given. */
  retentionMs?: number | undefined;
  cleanupPolicy: CleanupPolicy;
}

/** The config file: everything optional; what is left out takes the defaults below. */
export interface TopicConfigFile {
  /** Prefix of the pipeline topics (WEIR_TOPIC_NAMESPACE). */
  namespace?: string;
  /** Prefix of the consumer groups, which name the changelog and dead-letter topics (WEIR_GROUP_PREFIX). */
  groupPrefix?: string;
  defaults?: Partial<TopicSettings>;
  /** Per topic, by its name without the namespace: weir.sessions, weir.window-partials, weir.windows, weir.scores, changelog:sessionize ... */
  topics?: Record<string, Partial<TopicSettings>>;
}

export interface DesiredTopic extends TopicSettings {
  /** The name in the config (weir.windows, changelog:window, ...). */
  key: string;
  topic: string;
}

export interface ExistingTopic {
  partitions: number;
  /** The entries this plan manages: cleanup.policy, retention.ms. */
  config: Record<string, string>;
}

export type TopicChange =
  | { kind: 'create'; topic: string; settings: TopicSettings }
  | { kind: 'add-partitions'; topic: string; from: number; to: number }
  | { kind: 'set-config'; topic: string; entries: Record<string, string>; was: Record<string, string> };

export interface TopicPlan {
  changes: TopicChange[];
  unchanged: string[];
  /** Differences apply does not act on (fewer partitions than the topic has). */
  warnings: string[];
}

export const MANAGED_CONFIG = ['cleanup.policy', 'retention.ms'] as const;

const WEEK_MS = 7 * 24 * 3_600_000;

/** The stages' state: sessionize's open sessions, window's open windows, score's waiting sessions. */
const CHANGELOGS = { sessionize: 'sessions', window: 'windows', score: 'waiting' } as const;

function baseDefaults(): TopicSettings {
  return { partitions: 6, replicationFactor: -1, retentionMs: WEEK_MS, cleanupPolicy: 'delete' };
}

/** Every topic of the pipeline with the settings the config gives it. */
export function desiredTopics(file: TopicConfigFile = {}): DesiredTopic[] {
  const defaults = { ...baseDefaults(), ...file.defaults };
  const groupPrefix = file.groupPrefix || 'weir';
  // Compacted topics keep each key's last record for good unless the config says otherwise.
  const compacted: Partial<TopicSettings> = { cleanupPolicy: 'compact', retentionMs: undefined };
  const entries: Array<[string, string, Partial<TopicSettings>]> = [
    [SESSIONS_TOPIC, topicIn(file.namespace, SESSIONS_TOPIC), {}],
    [WINDOW_PARTIALS_TOPIC, topicIn(file.namespace, WINDOW_PARTIALS_TOPIC), {}],
    [WINDOWS_TOPIC, topicIn(file.namespace, WINDOWS_TOPIC), compacted],
    [SCORES_TOPIC, topicIn(file.namespace, SCORES_TOPIC), {}],
    ...Object.entries(CHANGELOGS).map(([stage, store]): [string, string, Partial<TopicSettings>] => [
      `changelog:${stage}`,
      changelogTopicName(`${groupPrefix}-${stage}`, store),
      compacted,
    ]),
    ...Object.keys(CHANGELOGS).map((stage): [string, string, Partial<TopicSettings>] => [
      `dead-letter:${stage}`,
      deadLetterTopicName(`${groupPrefix}-${stage}`),
      {},
    ]),
  ];
  const known = new Set(entries.map(([key]) => key));
  const unknown = Object.keys(file.topics ?? {}).filter((key) => !known.has(key));
  if (unknown.length > 0) {
    throw new TopicConfigError(`unknown topic ${unknown.map((k) => JSON.stringify(k)).join(', ')} (known: ${[...known].join(', ')})`);
  }
  return entries.map(([key, topic, kind]) => {
    const settings: TopicSettings = { ...defaults, ...kind, ...file.topics?.[key] };
    validate(key, settings);
    return { key, topic, ...settings };
  });
}

export class TopicConfigError extends Error {
  readonly code = 'WEIR_TOPIC_CONFIG';
}

function validate(key: string, s: TopicSettings): void {
  if (!Number.isInteger(s.partitions) || s.partitions < 1) throw new TopicConfigError(`${key}: partitions must be a whole number ≥ 1, not ${s.partitions}`);
  if (!Number.isInteger(s.replicationFactor) || (s.replicationFactor < 1 && s.replicationFactor !== -1)) {
    throw new TopicConfigError(`${key}: replicationFactor must be a whole number ≥ 1 or -1 (the broker's default), not ${s.replicationFactor}`);
  }
  if (s.retentionMs !== undefined && (!Number.isInteger(s.retentionMs) || (s.retentionMs < 1 && s.retentionMs !== -1))) {
    throw new TopicConfigError(`${key}: retentionMs must be a whole number of milliseconds ≥ 1 or -1 (forever), not ${s.retentionMs}`);
  }
  if (!['delete', 'compact', 'compact,delete'].includes(s.cleanupPolicy)) {
    throw new TopicConfigError(`${key}: cleanupPolicy must be delete, compact or compact,delete, not ${JSON.stringify(s.cleanupPolicy)}`);
  }
}

/** The configuration entries a topic should have. */
export function configEntries(settings: TopicSettings): Record<string, string> {
  const entries: Record<string, string> = { 'cleanup.policy': settings.cleanupPolicy };
  if (settings.retentionMs !== undefined) entries['retention.ms'] = String(settings.retentionMs);
  return entries;
}

/** What it takes to go from `existing` (by topic name; absent: missing) to `desired`. */
export function planTopics(desired: readonly DesiredTopic[], existing: ReadonlyMap<string, ExistingTopic>): TopicPlan {
  const plan: TopicPlan = { changes: [], unchanged: [], warnings: [] };
  for (const want of desired) {
    const have = existing.get(want.topic);
    if (!have) {
      plan.changes.push({ kind: 'create', topic: want.topic, settings: pick(want) });
      continue;
    }
    let changed = false;
    if (have.partitions < want.partitions) {
      plan.changes.push({ kind: 'add-partitions', topic: want.topic, from: have.partitions, to: want.partitions });
      changed = true;
    } else if (have.partitions > want.partitions) {
      plan.warnings.push(`${want.topic} has ${have.partitions} partitions, more than the ${want.partitions} configured: Kafka cannot remove partitions, left as is`);
    }
    const entries = configEntries(want);
    const differing = Object.fromEntries(Object.entries(entries).filter(([name, value]) => have.config[name] !== value));
    if (Object.keys(differing).length > 0) {
      const was = Object.fromEntries(Object.keys(differing).map((name) => [name, have.config[name] ?? '(unset)']));
      plan.changes.push({ kind: 'set-config', topic: want.topic, entries: differing, was });
      changed = true;
    }
    if (!changed) plan.unchanged.push(want.topic);
  }
  return plan;
}

function pick(want: DesiredTopic): TopicSettings {
  return { partitions: want.partitions, replicationFactor: want.replicationFactor, retentionMs: want.retentionMs, cleanupPolicy: want.cleanupPolicy };
}

/** What the cluster has of these topics. */
export async function existingTopics(admin: BusAdmin, topics: readonly string[]): Promise<Map<string, ExistingTopic>> {
  const present = new Set(await admin.listTopics());
  const found = new Map<string, ExistingTopic>();
  for (const topic of topics.filter((t) => present.has(t))) {
    found.set(topic, { partitions: await admin.partitionCount(topic), config: await admin.describeTopicConfig(topic, [...MANAGED_CONFIG]) });
  }
  return found;
}

/** Carries out a plan's changes in order. */
export async function applyTopicPlan(admin: BusAdmin, plan: TopicPlan): Promise<void> {
  for (const change of plan.changes) {
    if (change.kind === 'create') {
      const { partitions, replicationFactor } = change.settings;
      await admin.createTopics([{ topic: change.topic, partitions, replicationFactor, config: configEntries(change.settings) }]);
    } else if (change.kind === 'add-partitions') {
      await admin.createPartitions(change.topic, change.to);
    } else {
      await admin.alterTopicConfig(change.topic, change.entries);
    }
  }
}

/** One line per change, for people. */
export function describeChange(change: TopicChange): string {
  switch (change.kind) {
    case 'create': {
      const s = change.settings;
      const replication = s.replicationFactor === -1 ? 'broker default' : String(s.replicationFactor);
      return `create ${change.topic}: ${s.partitions} partitions, replication ${replication}, ${Object.entries(configEntries(s)).map(([k, v]) => `${k}=${v}`).join(' ')}`;
    }
    case 'add-partitions':
      return `add partitions to ${change.topic}: ${change.from} → ${change.to}`;
    case 'set-config':
      return `configure ${change.topic}: ${Object.entries(change.entries).map(([k, v]) => `${k} ${change.was[k]} → ${v}`).join(', ')}`;
  }
}

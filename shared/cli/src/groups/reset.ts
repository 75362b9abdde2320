/**
 * Rewinding (or fast-forwarding) a live stage's consumer group the way Kafka Streams'
 * `kafka-streams-application-reset` does: the group's committed offsets on its input topics set
 * to a time, the earliest or the latest record, and its changelog topics (the stage's
 * checkpointed state, which records the input offsets it covers) deleted, so the restarted stage
 * rebuilds its state from the new position instead of restoring a state of another point in time.
 * The stage must be stopped: Kafka refuses to move a group's offsets while it has members.
 */
import { SESSIONS_TOPIC, WINDOW_PARTIALS_TOPIC } from '@weir/contracts';
import { topicIn } from '@weir/pipeline';
import { changelogTopicName, type Bus, type TopicPartitionOffset } from '@weir/stream';
import { OnlineError } from '../online/errors.js';

export const RESET_STAGES = ['sessionize', 'window', 'score'] as const;
export type ResetStage = (typeof RESET_STAGES)[number];

export type ResetTarget = { kind: 'time'; time: number } | { kind: 'earliest' } | { kind: 'latest' };

export interface StageGroup {
  groupId: string;
  /** The stage's input topics that exist now. */
  inputs: string[];
  /** Its state stores' changelog topics. */
  changelogs: string[];
}

export interface ResetMove extends TopicPartitionOffset {
  /** Committed now; null when the group has not committed this partition. */
  current: number | null;
}

export interface ResetPlan extends StageGroup {
  moves: ResetMove[];
  /** The changelogs that exist and would be deleted. */
  deletes: string[];
}

/** The stage's consumer group, inputs and state, as its service names them. */
export async function stageGroup(
  bus: Bus,
  stage: ResetStage,
  settings: { groupPrefix: string; namespace: string | undefined; logsPattern: RegExp },
): Promise<StageGroup> {
  const groupId = `${settings.groupPrefix}-${stage}`;
  const topics = await bus.admin.listTopics();
  // The window stage also reads its own partials (its second phase merges them).
  const own = stage === 'window' ? [SESSIONS_TOPIC, WINDOW_PARTIALS_TOPIC] : [SESSIONS_TOPIC];
  const inputs =
    stage === 'sessionize'
      ? topics.filter((t) => settings.logsPattern.test(t)).sort()
      : own.map((topic) => topicIn(settings.namespace, topic)).filter((t) => topics.includes(t));
  const store = { sessionize: 'sessions', window: 'windows', score: 'waiting' }[stage];
  return { groupId, inputs, changelogs: [changelogTopicName(groupId, store)] };
}

export async function planReset(bus: Bus, group: StageGroup, target: ResetTarget): Promise<ResetPlan> {
  const committed = new Map((await bus.admin.fetchCommittedOffsets(group.groupId, group.inputs)).map((o) => [`${o.topic}:${o.partition}`, o.offset]));
  const moves: ResetMove[] = [];
  for (const topic of group.inputs) {
    const offsets = await bus.admin.fetchTopicOffsets(topic);
    const atTime = target.kind === 'time' ? new Map((await bus.admin.fetchOffsetsForTimestamp(topic, target.time)).map((o) => [o.partition, o.offset])) : null;
    for (const { partition, low, high } of offsets) {
      const found = atTime?.get(partition);
      const offset = target.kind === 'earliest' ? low : target.kind === 'latest' ? high : found === undefined || found < 0 ? high : Math.min(Math.max(found, low), high);
      moves.push({ topic, partition, offset, current: committed.get(`${topic}:${partition}`) ?? null });
    }
  }
  const existing = new Set(await bus.admin.listTopics());
  return { ...group, moves, deletes: group.changelogs.filter((t) => existing.has(t)) };
}

/** Refuses while the group has members: moving a running stage's offsets is what Kafka refuses too. */
export async function requireStopped(bus: Bus, groupId: string): Promise<void> {
  const members = await bus.admin.groupMembers(groupId);
  if (members > 0) {
    throw new OnlineError('WEIR_CLI_GROUP', `consumer group ${groupId} has ${members} live member${members === 1 ? '' : 's'}: stop the stage (scale it to 0) before resetting it`);
  }
}

export async function executeReset(bus: Bus, plan: ResetPlan): Promise<void> {
  await requireStopped(bus, plan.groupId);
  if (plan.moves.length > 0) await bus.admin.setCommittedOffsets(plan.groupId, plan.moves.map(({ topic, partition, offset }) => ({ topic, partition, offset })));
  if (plan.deletes.length > 0) await bus.admin.deleteTopics(plan.deletes);
}

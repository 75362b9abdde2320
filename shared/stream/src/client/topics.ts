/** Topic creation as both Kafka clients do it: the same request entry, and the same wait for leaders. */
import type { TopicSpec } from '../bus.js';
import { StreamError } from '../errors.js';
import { sleep } from '../sleep.js';

const LEADER_WAIT_MS = 30_000;

/** One topic of a CreateTopics request (both clients take the KafkaJS shape). */
export function topicEntry(spec: TopicSpec) {
  return {
    topic: spec.topic,
    numPartitions: spec.partitions ?? 1,
    // -1: the broker's default.replication.factor, so one config serves one node and many.
    replicationFactor: spec.replicationFactor ?? -1,
    configEntries: Object.entries(spec.config ?? {}).map(([name, value]) => ({ name, value })),
  };
}

export interface LeaderProbe {
  /** The topic's partitions as the cluster's metadata lists them now. */
  partitions(topic: string): Promise<ReadonlyArray<{ leader: number }>>;
  /** Whether an error of `partitions` only means "not there yet" (unknown topic, no leader). */
  notYet(err: unknown): boolean;
  toError(err: unknown, operation: string): Error;
}

/** Until every partition of a (new) topic has a leader, so producing to it works at once. */
export async function waitForLeaders(topic: string, probe: LeaderProbe): Promise<void> {
  const deadline = Date.now() + LEADER_WAIT_MS;
  for (;;) {
    try {
      const partitions = await probe.partitions(topic);
      if (partitions.length > 0 && partitions.every((p) => p.leader >= 0)) return;
    } catch (err) {
      if (!probe.notYet(err)) throw probe.toError(err, `wait for leaders of ${topic}`);
    }
    if (Date.now() > deadline) {
      throw new StreamError('WEIR_BUS_KAFKA', `topic "${topic}" has no leader for every partition after ${LEADER_WAIT_MS} ms`);
    }
    await sleep(100);
  }
}

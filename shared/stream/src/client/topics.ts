/** Topic creation as every Kafka client does it: the same request entry, the same retry of a timed-out create, the same wait for leaders. */
import type { TopicSpec } from '../bus.js';
import { StreamError } from '../errors.js';
import { DEFAULT_RETRY, retryUntil, type RetryPolicy } from '../retry.js';
import { sleep } from '../sleep.js';

/**
 * How long the broker may show no progress at all (neither on the topic's partitions nor on the
 * topics it lists) before the wait gives up: a stall, as the project's other waits measure one.
 */
export const LEADER_STALL_MS = 60_000;
const POLL_MS = 100;
/** How often, while the topic's own state stands still, the broker's topic list is asked for. */
const PROGRESS_POLL_MS = 1_000;

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

export interface TopicCreate {
  /** One CreateTopics request for the topic: true if it created it, false if the topic existed already. */
  create(): Promise<boolean>;
  /**
   * Whether a failure only says the broker did not answer in time: the controller's
   * REQUEST_TIMED_OUT (the topic was not created within the request's timeout, but its creation
   * may still land) or a request the client gave up waiting for.
   */
  timedOut(err: unknown): boolean;
  toError(err: unknown, operation: string): Error;
}

export interface TopicCreateOptions {
  /** How long the broker may answer nothing but timeouts before the create gives up. */
  stallMs?: number;
  policy?: RetryPolicy;
  /** For tests: the clock, the wait between attempts, and the jitter's random source. */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

/**
 * Creates one topic, asking again with the project's backoff while the broker only times out: a
 * starved controller answers REQUEST_TIMED_OUT while it is only slow (the crash test beside a CPU
 * hog failed at its start so). A topic that exists on a later attempt is taken as this call's
 * doing, since the timed-out create may have landed: true, as if the first answer had come. It
 * gives up with WEIR_BUS_TIMED_OUT once timeouts alone have come for `stallMs`; any other
 * failure ends it at once.
 */
export async function createTopicRetrying(topic: string, call: TopicCreate, options: TopicCreateOptions = {}): Promise<boolean> {
  const { stallMs = LEADER_STALL_MS, policy = DEFAULT_RETRY, now = Date.now } = options;
  let firstTimeout: number | null = null;
  let attempts = 0;
  try {
    const created = await retryUntil(
      () => {
        attempts++;
        return call.create();
      },
      {
        policy,
        retryable: (err) => {
          if (!call.timedOut(err)) return false;
          firstTimeout ??= now();
          return now() - firstTimeout < stallMs;
        },
        ...(options.sleep ? { sleep: options.sleep } : {}),
        ...(options.random ? { random: options.random } : {}),
      },
    );
    return created || firstTimeout !== null;
  } catch (err) {
    const doing = `create topic ${topic}`;
    if (firstTimeout === null || !call.timedOut(err)) throw call.toError(err, doing);
    throw new StreamError(
      'WEIR_BUS_TIMED_OUT',
      `${doing}: the broker answered ${attempts} attempts with timeouts only, for ${now() - firstTimeout} ms (stall limit ${stallMs} ms); the last: ${call.toError(err, doing).message}`,
      { cause: err },
    );
  }
}

export interface LeaderProbe {
  /** The topic's partitions as the cluster's metadata lists them now. */
  partitions(topic: string): Promise<ReadonlyArray<{ leader: number }>>;
  /**
   * The topics the broker's metadata lists now. It moves whenever the broker applies metadata
   * (any client's topic created or deleted), so a broker that is slow, not stuck, shows progress
   * here while the new topic is not listed yet.
   */
  topics(): Promise<readonly string[]>;
  /** Whether an error of `partitions` only means "not there yet" (unknown topic, no leader). */
  notYet(err: unknown): boolean;
  /**
   * Whether an error of either call only says the broker did not answer in time (a request or
   * connection timeout): a starved broker, which shows no progress then, and the stall decides.
   * A refused connection or any answer with an error is not one of them.
   */
  noAnswer(err: unknown): boolean;
  toError(err: unknown, operation: string): Error;
}

export interface LeaderWaitOptions {
  stallMs?: number;
  /** For tests: the clock and the pause between polls. */
  now?: () => number;
  pause?: (ms: number) => Promise<void>;
}

/**
 * Until every partition of a (new) topic has a leader, so producing to it works at once. A busy
 * machine can hold a broker's metadata back for long (over 30 s seen at a load of 79 on 2 cores),
 * so there is no deadline: the wait fails on an error from the broker, or when the broker shows no
 * progress for `stallMs` (the topic's partitions and led partitions, and the topics it lists, all
 * unchanged). A request that timed out is no progress, not an error: on a saturated CPU the
 * broker's metadata answers outran the client's request timeout while the broker was only slow.
 */
export async function waitForLeaders(topic: string, probe: LeaderProbe, options: LeaderWaitOptions = {}): Promise<void> {
  const { stallMs = LEADER_STALL_MS, now = Date.now, pause = sleep } = options;
  let state = '';
  let listed = '';
  let movedAt = now();
  let listedAt = Number.NEGATIVE_INFINITY;
  /** The last call the broker did not answer in time, for the stall's message. */
  let unanswered: string | null = null;
  const noAnswer = (err: unknown, operation: string): boolean => {
    if (!probe.noAnswer(err)) return false;
    unanswered = probe.toError(err, operation).message;
    return true;
  };
  for (;;) {
    let current = 'not listed';
    try {
      const partitions = await probe.partitions(topic);
      const led = partitions.filter((p) => p.leader >= 0).length;
      if (partitions.length > 0 && led === partitions.length) return;
      current = `${led} of ${partitions.length} partitions led`;
    } catch (err) {
      if (noAnswer(err, 'topic metadata')) current = state;
      else if (!probe.notYet(err)) throw probe.toError(err, `wait for leaders of ${topic}`);
    }
    if (current !== state) {
      state = current;
      movedAt = now();
    } else if (now() - listedAt >= PROGRESS_POLL_MS) {
      listedAt = now();
      let topics: readonly string[] | null;
      try {
        topics = await probe.topics();
      } catch (err) {
        if (!noAnswer(err, 'list topics')) throw probe.toError(err, `wait for leaders of ${topic}: list topics`);
        topics = null;
      }
      const fingerprint = topics === null ? listed : [...topics].sort().join('\n');
      if (fingerprint !== listed) {
        listed = fingerprint;
        movedAt = now();
      }
    }
    if (now() - movedAt > stallMs) {
      throw new StreamError(
        'WEIR_BUS_KAFKA',
        `topic "${topic}" has no leader for every partition (${state || 'no answer yet'}), and the broker's metadata showed no progress for ${stallMs} ms` +
          (unanswered === null ? '' : `; last unanswered: ${unanswered}`),
      );
    }
    await pause(POLL_MS);
  }
}

/**
 * What every Kafka client's consumer checks and does alike around its group membership: the order
 * of subscribe and run, the group's timing, and the rebalance callbacks, whose failure is logged
 * and never fails the rebalance.
 */
import type { Logger } from 'pino';
import type { ConsumerOptions, TopicPartition } from '../bus.js';
import type { KafkaTuning } from '../config.js';
import { describeError, StreamError } from '../errors.js';

export type ConsumerState = 'new' | 'running' | 'stopped';
export type Subscription = string[] | RegExp;
export type RebalanceCallbackName = 'onPartitionsAssigned' | 'onPartitionsRevoked';

/** A subscription is given once, before run. */
export function checkSubscribe(state: ConsumerState): void {
  if (state !== 'new') throw new StreamError('WEIR_BUS_INVALID', 'subscribe before run');
}

/** run is called once, after subscribe: returns the subscription it runs on. */
export function checkRun(state: ConsumerState, subscription: Subscription | null): Subscription {
  if (state !== 'new') throw new StreamError('WEIR_BUS_INVALID', 'run may be called once');
  if (!subscription) throw new StreamError('WEIR_BUS_INVALID', 'subscribe before run');
  return subscription;
}

/** The session timeout a consumer joins its group with; a consumer without a group id is refused. */
export function groupSessionTimeout(options: ConsumerOptions, tuning: KafkaTuning): number {
  if (!options.groupId) throw new StreamError('WEIR_BUS_INVALID', 'a consumer needs a non-empty groupId');
  return options.sessionTimeoutMs ?? tuning.sessionTimeoutMs;
}

/** Three heartbeats a session timeout (Kafka's advice), at least one every 3 s. */
export function heartbeatInterval(sessionTimeoutMs: number): number {
  return Math.min(3000, Math.floor(sessionTimeoutMs / 3));
}

/** Runs the consumer's onPartitionsAssigned or onPartitionsRevoked, if it has one; a failure is logged. */
export async function rebalanceCallback(options: ConsumerOptions, name: RebalanceCallbackName, partitions: TopicPartition[], logger: Logger): Promise<void> {
  const callback = options[name];
  if (!callback) return;
  try {
    await callback(partitions);
  } catch (err) {
    logger.error({ err, partitions }, `${name} callback failed: ${describeError(err)}`);
  }
}

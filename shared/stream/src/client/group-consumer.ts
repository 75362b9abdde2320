/**
 * What every Kafka client's consumer does alike around its group membership: the order of
 * subscribe and run, the group's timing, and the rebalance callbacks, whose failure is logged and
 * never fails the rebalance.
 */
import type { Logger } from 'pino';
import type { BatchHandler, ConsumerOptions, TopicPartition } from '../bus.js';
import type { KafkaTuning } from '../config.js';
import { describeError, StreamError } from '../errors.js';

export type ConsumerState = 'new' | 'running' | 'stopped';
export type Subscription = string[] | RegExp;
export type RebalanceCallbackName = 'onPartitionsAssigned' | 'onPartitionsRevoked';

/** The session timeout a consumer joins its group with; a consumer without a group id is refused. */
export function groupSessionTimeout(options: ConsumerOptions, tuning: KafkaTuning): number {
  if (!options.groupId) throw new StreamError('WEIR_BUS_INVALID', 'a consumer needs a non-empty groupId');
  return options.sessionTimeoutMs ?? tuning.sessionTimeoutMs;
}

/** Three heartbeats a session timeout (Kafka's advice), at least one every 3 s. */
export function heartbeatInterval(sessionTimeoutMs: number): number {
  return Math.min(3000, Math.floor(sessionTimeoutMs / 3));
}

/** The part of a Kafka client's BusConsumer that does not depend on the client. */
export abstract class GroupConsumer {
  protected state: ConsumerState = 'new';
  protected subscription: Subscription | null = null;
  protected handler: BatchHandler | null = null;

  protected constructor(
    protected readonly options: ConsumerOptions,
    protected readonly logger: Logger,
  ) {}

  get groupId(): string {
    return this.options.groupId;
  }

  isRunning(): boolean {
    return this.state === 'running';
  }

  async subscribe(topics: Subscription): Promise<void> {
    if (this.state !== 'new') throw new StreamError('WEIR_BUS_INVALID', 'subscribe before run');
    this.subscription = topics;
  }

  /** run's checks (once, after subscribe), then running with `handler`: returns the subscription. */
  protected startRunning(handler: BatchHandler): Subscription {
    if (this.state !== 'new') throw new StreamError('WEIR_BUS_INVALID', 'run may be called once');
    const subscription = this.subscription;
    if (!subscription) throw new StreamError('WEIR_BUS_INVALID', 'subscribe before run');
    this.handler = handler;
    this.state = 'running';
    return subscription;
  }

  /** Runs the consumer's onPartitionsAssigned or onPartitionsRevoked, if it has one; a failure is logged. */
  protected async rebalanceCallback(name: RebalanceCallbackName, partitions: TopicPartition[]): Promise<void> {
    const callback = this.options[name];
    if (!callback) return;
    try {
      await callback(partitions);
    } catch (err) {
      this.logger.error({ err, partitions }, `${name} callback failed: ${describeError(err)}`);
    }
  }
}

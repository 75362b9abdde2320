/**
 * kafkajs matches a RegExp subscription once, when it subscribes. A topic created afterwards
 * (a new customer's `weir.logs.<customer>`) is found by looking again: every interval the
 * watcher runs its check, never two at once, and `stop` waits for a check in progress.
 */
import type { Logger } from 'pino';
import { describeError } from '../errors.js';

/** Existing topics the subscription wants that are not subscribed yet, sorted. */
export function topicsToSubscribe(subscription: string[] | RegExp, existing: string[], subscribed: ReadonlySet<string>): string[] {
  const wanted = subscription instanceof RegExp ? existing.filter((t) => subscription.test(t)) : subscription.filter((t) => existing.includes(t));
  return wanted.filter((t) => !subscribed.has(t)).sort();
}

export class TopicWatcher {
  private timer: NodeJS.Timeout | null = null;
  private checking: Promise<void> | null = null;

  constructor(
    private readonly intervalMs: number,
    private readonly check: () => Promise<void>,
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.tick(), this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.checking;
  }

  private async tick(): Promise<void> {
    if (this.checking) return;
    this.checking = this.check()
      .catch((err) => this.logger.warn({ err }, `topic watch failed: ${describeError(err)}`))
      .finally(() => (this.checking = null));
    await this.checking;
  }
}

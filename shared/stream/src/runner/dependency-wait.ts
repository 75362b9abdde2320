/**
 * Retrying what a dependency outage stops: produce, commit and transactions (the broker), and
 * whole chunks whose processing hit a transient error (the schema registry, Elasticsearch...).
 * Backoff with jitter (retry.ts) until it works or the run stops; meanwhile the operation is
 * counted (`weir_stage_retries_total`), flagged (`weir_stage_dependency_waiting`) and reported to
 * the process's StageHealth, whose readiness check then fails with the reason.
 */
import type { Logger } from 'pino';
import { describeError } from '../errors.js';
import type { StageHealth } from '../health.js';
import type { StageMetrics } from '../metrics.js';
import { retryUntil, type RetryPolicy } from '../retry.js';

export class DependencyWaits {
  /** Operation → partitions (or writers) waiting on it now. */
  private readonly counts = new Map<string, number>();

  constructor(
    private readonly ctx: {
      stage: string;
      signal: AbortSignal;
      retry: RetryPolicy;
      logger: Logger;
      metrics: StageMetrics;
      health?: StageHealth | undefined;
    },
  ) {}

  /**
   * `operation(attempt)` until it succeeds; a failure `retryable` rejects is rethrown at once.
   * `signal` (default: the run's) ends the wait with RetryAborted.
   */
  async retry<T>(
    operation: string,
    attempt: (attempt: number) => Promise<T>,
    opts: { retryable: (error: unknown) => boolean; signal?: AbortSignal; context?: Record<string, unknown> },
  ): Promise<T> {
    let waiting = false;
    try {
      return await retryUntil(attempt, {
        policy: this.ctx.retry,
        signal: opts.signal ?? this.ctx.signal,
        retryable: opts.retryable,
        onRetry: (error, n, delayMs) => {
          this.ctx.metrics.retry(operation);
          if (!waiting) this.begin(operation, error);
          waiting = true;
          this.ctx.logger.warn({ err: error, attempt: n, delayMs, ...opts.context }, `${operation} failed, retrying: ${describeError(error)}`);
        },
      });
    } finally {
      if (waiting) this.end(operation);
    }
  }

  private what(operation: string): string {
    return `${this.ctx.stage} ${operation}`;
  }

  private begin(operation: string, error: unknown): void {
    const count = (this.counts.get(operation) ?? 0) + 1;
    this.counts.set(operation, count);
    if (count === 1) this.ctx.metrics.waiting(operation, true);
    this.ctx.health?.waiting(this.what(operation), describeError(error));
  }

  private end(operation: string): void {
    const count = (this.counts.get(operation) ?? 1) - 1;
    if (count > 0) {
      this.counts.set(operation, count);
      return;
    }
    this.counts.delete(operation);
    this.ctx.metrics.waiting(operation, false);
    this.ctx.health?.resumed(this.what(operation));
    this.ctx.logger.info({ operation }, `${operation} works again`);
  }
}

/**
 * Backoff with jitter, the one implementation of it: the runner's produce, commit and outage
 * retries, the Elasticsearch sink and `weir ingest`'s sender all wait `backoffDelay`.
 *
 * Exponential with "equal jitter": half the capped delay is fixed and half random, so many
 * instances hit by the same outage spread out, yet none retries at once.
 */
import { sleep } from './sleep.js';

export interface RetryPolicy {
  /** Delay before the first retry (before jitter); doubles with each retry. */
  initialMs: number;
  /** No delay exceeds this. */
  maxMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { initialMs: 100, maxMs: 10_000 };

/** Milliseconds to wait before retry number `retry` (1 for the first). `random` returns [0, 1). */
export function backoffDelay(retry: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxMs, policy.initialMs * 2 ** Math.max(0, retry - 1));
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}

export class RetryAborted extends Error {
  override readonly name = 'RetryAborted';
  readonly code = 'WEIR_STAGE_STOPPING';
}

export interface RetryOptions {
  policy: RetryPolicy;
  /** Ends the retries: the next failure throws RetryAborted (a wait in progress ends at once). */
  signal?: AbortSignal;
  /** False for failures retrying cannot fix: they are rethrown at once. */
  retryable: (error: unknown) => boolean;
  /** Told before each wait: what failed, which attempt it was, and how long until the next. */
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  /** Attempts in all, the first included; the last failure is rethrown after them. Default: no limit. */
  maxAttempts?: number;
  /** For tests: the wait, and the jitter's random source. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
}

/** `operation(attempt)` until it succeeds, fails for good, runs out of attempts, or `signal` aborts. */
export async function retryUntil<T>(operation: (attempt: number) => Promise<T>, opts: RetryOptions): Promise<T> {
  const wait = opts.sleep ?? sleep;
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation(attempt);
    } catch (error) {
      if (!opts.retryable(error)) throw error;
      if (opts.signal?.aborted) throw new RetryAborted('stopping: gave up retrying', { cause: error });
      if (opts.maxAttempts !== undefined && attempt >= opts.maxAttempts) throw error;
      const delay = backoffDelay(attempt, opts.policy, opts.random);
      opts.onRetry?.(error, attempt, delay);
      await wait(delay, opts.signal);
    }
  }
}

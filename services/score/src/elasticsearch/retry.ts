/**
 * What is worth retrying, and how long to wait before trying again.
 *
 * Retryable: connection failures and timeouts, 429 (ES sheds load with it: a full write queue, a
 * tripped circuit breaker) and 502/503/504 (a proxy or a node that is starting or has no primary
 * for a shard yet). Everything else (400 mapping errors, 401/403, 404, 500) will fail the same way
 * on the next attempt, so retrying only delays the dead letter or the crash.
 *
 * Backoff is exponential with "equal jitter": half the capped delay is fixed and half random, so
 * many score instances hit by the same overload spread out, yet none retries at once.
 */
import { errors } from '@elastic/elasticsearch';

export interface RetryPolicy {
  /** Attempts in all, the first included: 1 means never retry. */
  maxAttempts: number;
  /** Delay before the first retry (before jitter); doubles with each retry. */
  baseDelayMs: number;
  /** No delay exceeds this. */
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 8, baseDelayMs: 200, maxDelayMs: 30_000 };

const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([429, 502, 503, 504]);

export function isRetryableStatus(status: number): boolean {
  return RETRYABLE_STATUSES.has(status);
}

/** True for a client error a later attempt may not get: no connection, a timeout, or a retryable status. */
export function isRetryableError(err: unknown): boolean {
  if (err instanceof errors.ResponseError) return isRetryableStatus(err.statusCode);
  return (
    err instanceof errors.ConnectionError ||
    err instanceof errors.TimeoutError ||
    err instanceof errors.NoLivingConnectionsError
  );
}

/** Milliseconds to wait before retry number `retry` (1 for the first retry). `random` returns [0, 1). */
export function backoffDelay(retry: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const exponential = policy.baseDelayMs * 2 ** Math.max(0, retry - 1);
  const capped = Math.min(policy.maxDelayMs, exponential);
  return Math.round(capped / 2 + (capped / 2) * random());
}

export interface RetryHooks {
  sleep: (ms: number) => Promise<void>;
  random?: () => number;
  /** Told before each wait: what failed, which attempt it was, and how long until the next. */
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
}

/** Runs `attempt` until it succeeds, fails with a non-retryable error, or the attempts run out (then throws the last error). */
export async function withRetry<T>(attempt: () => Promise<T>, policy: RetryPolicy, hooks: RetryHooks): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (err) {
      if (n >= policy.maxAttempts || !isRetryableError(err)) throw err;
      const delay = backoffDelay(n, policy, hooks.random);
      hooks.onRetry?.(err, n, delay);
      await hooks.sleep(delay);
    }
  }
}

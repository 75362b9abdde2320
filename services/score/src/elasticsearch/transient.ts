/**
 * Which Elasticsearch failures are worth retrying (the backoff itself is @weir/stream's retry.ts).
 *
 * Retryable: connection failures and timeouts, 429 (ES sheds load with it: a full write queue, a
 * tripped circuit breaker) and 502/503/504 (a proxy or a node that is starting or has no primary
 * for a shard yet). Everything else (400 mapping errors, 401/403, 404, 500) will fail the same way
 * on the next attempt, so retrying only delays the dead letter or the crash.
 */
import { errors } from '@elastic/elasticsearch';
import type { RetryPolicy } from '@weir/stream';

/** How the sink retries: attempts per document (the first included) before it reports ES unavailable, and the backoff between them. */
export interface EsRetryPolicy {
  maxAttempts: number;
  /** Delay before the first retry (before jitter); doubles with each retry. */
  baseDelayMs: number;
  /** No delay exceeds this. */
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: EsRetryPolicy = { maxAttempts: 8, baseDelayMs: 200, maxDelayMs: 30_000 };

/** The backoff part, as the shared retry helpers take it. */
export function backoffOf(policy: EsRetryPolicy): RetryPolicy {
  return { initialMs: policy.baseDelayMs, maxMs: policy.maxDelayMs };
}

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

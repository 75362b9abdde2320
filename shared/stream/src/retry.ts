/**
 * Retries an operation that talks to the bus (produce, commit) with exponential backoff and
 * jitter, until it succeeds, fails for a reason retrying cannot fix, or the run is stopping.
 */
import { sleep } from './sleep.js';

export interface RetryPolicy {
  initialMs: number;
  maxMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { initialMs: 100, maxMs: 10_000 };

/**
 * The wait before retry number `attempt` (1 for the first): `initialMs` doubled per retry up to
 * `maxMs`, with jitter over the upper half so that clients failing together do not retry together.
 */
export function backoffDelay(policy: RetryPolicy, attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxMs, policy.initialMs * 2 ** (attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

export class RetryAborted extends Error {
  override readonly name = 'RetryAborted';
  readonly code = 'WEIR_STAGE_STOPPING';
}

export async function retryUntil<T>(
  operation: (attempt: number) => Promise<T>,
  opts: {
    policy: RetryPolicy;
    signal: AbortSignal;
    /** False for failures retrying cannot fix: they are rethrown at once. */
    retryable: (error: unknown) => boolean;
    onRetry: (error: unknown, attempt: number, delayMs: number) => void;
  },
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation(attempt);
    } catch (error) {
      if (!opts.retryable(error)) throw error;
      if (opts.signal.aborted) throw new RetryAborted('stopping: gave up retrying', { cause: error });
      const delay = backoffDelay(opts.policy, attempt);
      opts.onRetry(error, attempt, delay);
      await sleep(delay, opts.signal);
    }
  }
}

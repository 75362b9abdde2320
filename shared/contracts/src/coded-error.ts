/**
 * The base of every error weir raises: a stable `code` to branch on (never the message), the
 * `cause` kept, and whether the failure is transient. It lives here, in the package every other
 * one depends on, so the runtime can tell any package's errors apart without knowing them.
 *
 * Transient means "a dependency did not answer" (the schema registry, a broker, Elasticsearch
 * unreachable or overloaded): trying the same input again later will work, so it is waited out
 * and retried, never dead-lettered. Everything else is permanent: bad data, bad configuration,
 * a bug. Each error class says which of its codes are transient; `isTransient` is the one place
 * that reads it.
 */
export class CodedError<Code extends string = string> extends Error {
  readonly code: Code;
  /**
   * What is wrong with the record that caused it, for a record-level failure (`no_address`,
   * `no_customer`): a short snake_case word from a fixed set in the code that raises it, so it can
   * label a metric. The code says which part failed; the reason says why the record was refused.
   */
  readonly reason: string | undefined;

  constructor(code: Code, message: string, opts: { cause?: unknown; reason?: string } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.code = code;
    this.reason = opts.reason;
  }

  /** True when retrying later may succeed; subclasses name their transient codes. */
  get transient(): boolean {
    return false;
  }
}

/** Whether `err`, or any error in its `cause` chain, is a transient CodedError. */
export function isTransient(err: unknown): boolean {
  const seen = new Set<unknown>();
  for (let at: unknown = err; at instanceof Error && !seen.has(at); at = at.cause) {
    seen.add(at);
    if (at instanceof CodedError && at.transient) return true;
  }
  return false;
}

/** The code of `err` when it has a string one (any error, coded or a library's), else undefined. */
export function errorCode(err: unknown): string | undefined {
  const code = typeof err === 'object' && err !== null && 'code' in err ? err.code : undefined;
  return typeof code === 'string' ? code : undefined;
}

/** A record reason: a short snake_case word (what a metric label may carry). */
const REASON = /^[a-z][a-z0-9_]{0,39}$/;

/** The first record reason in `err`'s cause chain (see CodedError.reason), else undefined. */
export function recordReason(err: unknown): string | undefined {
  const seen = new Set<unknown>();
  for (let at: unknown = err; at instanceof Error && !seen.has(at); at = at.cause) {
    seen.add(at);
    if (at instanceof CodedError && at.reason !== undefined && REASON.test(at.reason)) return at.reason;
  }
  return undefined;
}

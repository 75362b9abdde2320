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

  constructor(code: Code, message: string, opts: { cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.code = code;
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

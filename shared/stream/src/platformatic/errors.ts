/**
 * @platformatic/kafka's errors (GenericError with `apiId` for broker errors, MultipleErrors
 * nesting the attempts of a retried call) become StreamErrors with the codes the runner acts on.
 */
import { findErrorBy, TimeoutError, UserError } from '@platformatic/kafka';
import { StreamError } from '../errors.js';

/** The broker's answers to a producer that a newer one with its transactional id replaced. */
const FENCED = ['INVALID_PRODUCER_EPOCH', 'PRODUCER_FENCED'] as const;
const UNKNOWN_TOPIC = 'UNKNOWN_TOPIC_OR_PARTITION';

function withApiId(err: unknown, apiId: string): boolean {
  return err instanceof Error && findErrorBy(err, 'apiId', apiId) !== null;
}

export function hasApiId(err: unknown, ...apiIds: readonly string[]): boolean {
  return apiIds.some((id) => withApiId(err, id));
}

/**
 * The client turns a metadata answer UNKNOWN_TOPIC_OR_PARTITION into a UserError of its own
 * ("Unknown topic <name>."), the broker's code dropped: its message is all there is to go by.
 */
export function isUnknownTopic(err: unknown): boolean {
  return hasApiId(err, UNKNOWN_TOPIC) || (err instanceof UserError && err.message.startsWith('Unknown topic '));
}

/**
 * A request or connection that timed out, however deeply the client nested it (its TimeoutError
 * carries the network error's code, so it is known by its class).
 */
export function isTimedOut(err: unknown, depth = 0): boolean {
  if (!(err instanceof Error) || depth > 10) return false;
  if (err instanceof TimeoutError) return true;
  if (err instanceof AggregateError && err.errors.some((e) => isTimedOut(e, depth + 1))) return true;
  return isTimedOut(err.cause, depth + 1);
}

export function isFenced(err: unknown): boolean {
  return hasApiId(err, ...FENCED);
}

/** The innermost messages: a MultipleErrors says only "failed 3 times". */
function describe(err: unknown): string {
  if (err instanceof AggregateError && err.errors.length > 0) return `${err.message} (${describe(err.errors[err.errors.length - 1])})`;
  return err instanceof Error ? err.message : String(err);
}

/** Wraps anything the client threw; `doing` says what was attempted ("send to weir.sessions"). */
export function toStreamError(err: unknown, doing: string): StreamError {
  if (err instanceof StreamError) return err;
  if (isFenced(err)) {
    return new StreamError('WEIR_BUS_FENCED', `${doing}: fenced by a newer producer with the same transactional id (${describe(err)})`, { cause: err });
  }
  if (isUnknownTopic(err)) return new StreamError('WEIR_BUS_UNKNOWN_TOPIC', `${doing}: ${describe(err)}`, { cause: err });
  return new StreamError('WEIR_BUS_KAFKA', `${doing}: ${describe(err)}`, { cause: err });
}

export async function clientCall<T>(doing: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw toStreamError(err, doing);
  }
}

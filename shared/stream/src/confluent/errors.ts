/**
 * librdkafka's errors (numeric codes, negative for client-side ones) become StreamErrors with
 * the codes the runner acts on, fencing above all.
 */
import { StreamError } from '../errors.js';

/** ERR__FENCED (-144, the client's own fatal "fenced"), INVALID_PRODUCER_EPOCH (47), PRODUCER_FENCED (90). */
const FENCED_CODES = new Set([-144, 47, 90]);
/** UNKNOWN_TOPIC_OR_PART (3), ERR__UNKNOWN_TOPIC (-188), ERR__UNKNOWN_PARTITION (-190). */
const UNKNOWN_TOPIC_CODES = new Set([3, -188, -190]);
export const QUEUE_FULL = -184;
export const ASSIGN_PARTITIONS = -175;
export const LEADER_NOT_AVAILABLE = 5;

export function errorCode(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const code = Reflect.get(err, 'code');
  return typeof code === 'number' ? code : undefined;
}

function message(err: unknown): string {
  if (typeof err === 'object' && err !== null && typeof Reflect.get(err, 'message') === 'string') return Reflect.get(err, 'message') as string;
  return String(err);
}

/** ERR__TIMED_OUT (-185), ERR__TIMED_OUT_QUEUE (-166), REQUEST_TIMED_OUT (7): no answer in time. */
const TIMED_OUT_CODES = new Set([-185, -166, 7]);

/** A request the broker did not answer in time (a starved broker, not a failed one). */
export function isTimedOut(err: unknown): boolean {
  const code = errorCode(err);
  return code !== undefined && TIMED_OUT_CODES.has(code);
}

/**
 * A CreateTopics that timed out, which the client reports per topic inside a KafkaJSAggregateError:
 * the controller's REQUEST_TIMED_OUT (the creation may still land) or the client's own timeout.
 */
export function isCreateTimedOut(err: unknown): boolean {
  if (isTimedOut(err)) return true;
  const errors = typeof err === 'object' && err !== null ? Reflect.get(err, 'errors') : undefined;
  return Array.isArray(errors) && errors.some((e: unknown) => isTimedOut(e));
}

export function isFenced(err: unknown): boolean {
  const code = errorCode(err);
  return code !== undefined && FENCED_CODES.has(code);
}

/** Wraps anything the client threw; `doing` says what was attempted ("send to weir.sessions"). */
export function toStreamError(err: unknown, doing: string): StreamError {
  if (err instanceof StreamError) return err;
  const code = errorCode(err);
  if (isFenced(err)) {
    return new StreamError('WEIR_BUS_FENCED', `${doing}: fenced by a newer producer with the same transactional id (${message(err)})`, { cause: err });
  }
  if (code !== undefined && UNKNOWN_TOPIC_CODES.has(code)) {
    return new StreamError('WEIR_BUS_UNKNOWN_TOPIC', `${doing}: ${message(err)}`, { cause: err });
  }
  return new StreamError('WEIR_BUS_KAFKA', `${doing}: ${message(err)}`, { cause: err });
}

export async function clientCall<T>(doing: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw toStreamError(err, doing);
  }
}

/** A librdkafka callback-style call as a promise. */
export function callback<T = void>(doing: string, start: (done: (err: unknown, value?: T) => void) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    try {
      start((err, value) => (err ? reject(toStreamError(err, doing)) : resolve(value as T)));
    } catch (err) {
      reject(toStreamError(err, doing));
    }
  });
}

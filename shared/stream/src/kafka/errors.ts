/** kafkajs errors become StreamErrors with codes the runner acts on (fencing above all). */
import { StreamError } from '../errors.js';

/** INVALID_PRODUCER_EPOCH (47), what older request versions answer a fenced producer, and PRODUCER_FENCED (90). */
const FENCED_CODES = new Set([47, 90]);
const FENCED_TYPES = new Set(['INVALID_PRODUCER_EPOCH', 'PRODUCER_FENCED']);

function field(err: unknown, name: 'code' | 'type' | 'cause' | 'errors' | 'message' | 'name'): unknown {
  return typeof err === 'object' && err !== null && name in err ? Reflect.get(err, name) : undefined;
}

/**
 * The error and every error below it: kafkajs wraps protocol errors in retry errors (`cause`),
 * and answers a CreateTopics with a KafkaJSAggregateError of per-topic errors (`errors`).
 */
function chain(err: unknown): unknown[] {
  const seen: unknown[] = [];
  const queue: unknown[] = [err];
  while (queue.length > 0 && seen.length < 20) {
    const e = queue.shift();
    if (e === undefined || e === null || seen.includes(e)) continue;
    seen.push(e);
    queue.push(field(e, 'cause'));
    const errors = field(e, 'errors');
    if (Array.isArray(errors)) queue.push(...(errors as unknown[]));
  }
  return seen;
}

export function isFenced(err: unknown): boolean {
  return chain(err).some((e) => {
    const code = field(e, 'code');
    const type = field(e, 'type');
    return (typeof code === 'number' && FENCED_CODES.has(code)) || (typeof type === 'string' && FENCED_TYPES.has(type));
  });
}

/**
 * kafkajs errors that only say no broker answered (down, restarting, unreachable). kafkajs treats
 * some of them as fatal to a consumer (KafkaJSGroupCoordinatorNotFound: every broker refused the
 * FindCoordinator while the broker restarted), though the broker's return fixes them.
 */
const UNREACHABLE = new Set(['KafkaJSGroupCoordinatorNotFound', 'KafkaJSConnectionError', 'KafkaJSConnectionClosedError', 'KafkaJSRequestTimeoutError', 'KafkaJSBrokerNotFound']);

export function isBrokerUnreachable(err: unknown): boolean {
  return chain(err).some((e) => {
    const name = field(e, 'name');
    return typeof name === 'string' && UNREACHABLE.has(name);
  });
}

/**
 * kafkajs errors that only say a broker did not answer in time: a request that timed out, or a
 * connection not made within the connection timeout (not a refused one). A starved broker gives
 * these while it is only slow.
 */
export function isTimedOut(err: unknown): boolean {
  return chain(err).some((e) => {
    const name = field(e, 'name');
    return name === 'KafkaJSRequestTimeoutError' || (name === 'KafkaJSConnectionError' && field(e, 'message') === 'Connection timeout');
  });
}

/**
 * A CreateTopics that timed out: the controller answered the topic REQUEST_TIMED_OUT (its creation
 * may still land), or kafkajs gave up waiting for the answer.
 */
export function isCreateTimedOut(err: unknown): boolean {
  return isTimedOut(err) || hasErrorType(err, 'REQUEST_TIMED_OUT');
}

export function hasErrorType(err: unknown, type: string): boolean {
  return chain(err).some((e) => field(e, 'type') === type);
}

/** Wraps anything kafkajs threw; `doing` says what was attempted ("send to weir.sessions"). */
export function toStreamError(err: unknown, doing: string): StreamError {
  if (err instanceof StreamError) return err;
  const message = String(field(err, 'message') ?? err);
  if (isFenced(err)) {
    return new StreamError('WEIR_BUS_FENCED', `${doing}: fenced by a newer producer with the same transactional id (${message})`, { cause: err });
  }
  if (hasErrorType(err, 'UNKNOWN_TOPIC_OR_PARTITION')) {
    return new StreamError('WEIR_BUS_UNKNOWN_TOPIC', `${doing}: ${message}`, { cause: err });
  }
  return new StreamError('WEIR_BUS_KAFKA', `${doing}: ${message}`, { cause: err });
}

/** Runs a kafkajs call and rethrows its failure as a StreamError. */
export async function kafkaCall<T>(doing: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw toStreamError(err, doing);
  }
}

/** kafkajs errors become StreamErrors with codes the runner acts on (fencing above all). */
import { StreamError } from '../errors.js';

/** INVALID_PRODUCER_EPOCH (47), what older request versions answer a fenced producer, and PRODUCER_FENCED (90). */
const FENCED_CODES = new Set([47, 90]);
const FENCED_TYPES = new Set(['INVALID_PRODUCER_EPOCH', 'PRODUCER_FENCED']);

function field(err: unknown, name: 'code' | 'type' | 'cause' | 'message' | 'name'): unknown {
  return typeof err === 'object' && err !== null && name in err ? Reflect.get(err, name) : undefined;
}

/** The error and every `cause` below it: kafkajs wraps protocol errors in retry errors. */
function chain(err: unknown): unknown[] {
  const seen: unknown[] = [];
  for (let e: unknown = err; e !== undefined && seen.length < 10; e = field(e, 'cause')) seen.push(e);
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

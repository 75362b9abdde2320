/**
 * Every failure this package raises carries a stable `code`, so callers (services, the CLI, the
 * runner's own retry logic) branch on the code, never on a message.
 */
import { CodedError } from '@weir/contracts';
export type StreamErrorCode =
  /** Bad or missing configuration; `problems` lists every one found. */
  | 'WEIR_CONFIG'
  /** A topic that does not exist where one is required. */
  | 'WEIR_BUS_UNKNOWN_TOPIC'
  /** Arguments the bus cannot act on (partition out of range, empty group id, ...). */
  | 'WEIR_BUS_INVALID'
  /** A newer producer with the same transactional id exists: this one must stop writing. */
  | 'WEIR_BUS_FENCED'
  /** A transaction used out of order (send after commit, two open at once, ...). */
  | 'WEIR_BUS_TRANSACTION'
  /** A seek, pause or commit on a partition this consumer does not own (any more). */
  | 'WEIR_BUS_NOT_ASSIGNED'
  /** The bus, producer or consumer was closed. */
  | 'WEIR_BUS_CLOSED'
  /** A broker-side or client-side Kafka failure, wrapped; the original is the `cause`. */
  | 'WEIR_BUS_KAFKA'
  /**
   * A request the broker answered only with timeouts (REQUEST_TIMED_OUT, or no answer within the
   * request timeout), retried with backoff until it showed no progress for a stall.
   */
  | 'WEIR_BUS_TIMED_OUT'
  /** A record's bytes could not be decoded by the serde. */
  | 'WEIR_STAGE_DECODE'
  /** The stage threw while processing a record. */
  | 'WEIR_STAGE_PROCESS'
  /** An output the stage returned could not be encoded by the serde. */
  | 'WEIR_STAGE_ENCODE'
  /** A state value could not be read back from its changelog. */
  | 'WEIR_STATE_CORRUPT'
  /**
   * A topic whose partition count a stage read at its start has more partitions now: the stage
   * stops (a restart reads the new count) rather than run on with the old one.
   */
  | 'WEIR_PARTITIONS_CHANGED'
  /**
   * A dependency a stage calls while processing (Elasticsearch, a remote service) did not answer:
   * transient, so the runner waits and retries the records instead of dead-lettering them.
   */
  | 'WEIR_DEPENDENCY_UNAVAILABLE';

export class StreamError extends CodedError<StreamErrorCode> {
  override readonly name = 'StreamError';
  /** For WEIR_CONFIG: each problem, one line each. */
  readonly problems: string[];

  constructor(code: StreamErrorCode, message: string, opts: { cause?: unknown; problems?: string[] } = {}) {
    super(code, message, opts);
    this.problems = opts.problems ?? [];
  }

  override get transient(): boolean {
    return this.code === 'WEIR_DEPENDENCY_UNAVAILABLE';
  }
}

export function isStreamError(err: unknown, code?: StreamErrorCode): err is StreamError {
  return err instanceof StreamError && (code === undefined || err.code === code);
}

/** A one-line description of anything thrown, for logs and dead-letter headers. */
export function describeError(err: unknown): string {
  if (err instanceof Error) {
    const code = 'code' in err ? err.code : undefined;
    return typeof code === 'string' ? `${code}: ${err.message}` : `${err.name}: ${err.message}`;
  }
  return String(err);
}

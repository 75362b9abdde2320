/**
 * Every refusal of the ingest service carries a stable code and its HTTP status, so clients (the
 * `weir ingest` CLI, customers' shippers) branch on the code, and the error handler turns any of
 * them into the same JSON shape: `{ error: { code, message } }`.
 */
import { CodedError } from '@weir/contracts';
export type IngestErrorCode =
  /** No API key, or one no customer has (401). */
  | 'WEIR_INGEST_UNAUTHORIZED'
  /** A valid key used for another customer's topic (403). */
  | 'WEIR_INGEST_FORBIDDEN'
  /** Content-Type (or its charset) the service does not read (415). */
  | 'WEIR_INGEST_UNSUPPORTED_MEDIA_TYPE'
  /** Content-Encoding other than gzip or identity (415). */
  | 'WEIR_INGEST_UNSUPPORTED_ENCODING'
  /** Body, or its decompressed form, over WEIR_INGEST_MAX_BODY_BYTES (413). */
  | 'WEIR_INGEST_BODY_TOO_LARGE'
  /** Content-Encoding: gzip on bytes that are not gzip, or a truncated stream (400). */
  | 'WEIR_INGEST_BAD_GZIP'
  /** A log format spec the parsers cannot compile, or one that does not fit the content type (400). */
  | 'WEIR_INGEST_BAD_FORMAT'
  /** The body did not arrive within WEIR_INGEST_BODY_TIMEOUT (408); the connection is closed. */
  | 'WEIR_INGEST_BODY_TIMEOUT'
  /** An Idempotency-Key already used for a different batch (422). */
  | 'WEIR_INGEST_IDEMPOTENCY_KEY_REUSED'
  /** The service is shutting down: the body was still arriving (503); send it again. */
  | 'WEIR_INGEST_SHUTTING_DOWN'
  /** Any other malformed request: bad query parameter, bad Content-Length (400). */
  | 'WEIR_INGEST_BAD_REQUEST'
  /** Every non-blank line was rejected: nothing was written (422). */
  | 'WEIR_INGEST_NOTHING_ACCEPTED'
  /** Too many bytes in flight (WEIR_INGEST_MAX_INFLIGHT_BYTES): retry after Retry-After (429). */
  | 'WEIR_INGEST_OVERLOADED'
  /** Kafka or the schema registry failed or did not answer in time: retry after Retry-After (503). */
  | 'WEIR_INGEST_UNAVAILABLE'
  /** A bug: logged with its stack (500). */
  | 'WEIR_INGEST_INTERNAL';

export class IngestError extends CodedError<IngestErrorCode> {
  override readonly name = 'IngestError';
  readonly statusCode: number;
  /** Seconds, for 429 and 503: sent as Retry-After. */
  readonly retryAfterSeconds: number | undefined;

  constructor(
    code: IngestErrorCode,
    statusCode: number,
    message: string,
    opts: { cause?: unknown; retryAfterSeconds?: number } = {},
  ) {
    super(code, message, opts);
    this.statusCode = statusCode;
    this.retryAfterSeconds = opts.retryAfterSeconds;
  }
}

export function isIngestError(err: unknown, code?: IngestErrorCode): err is IngestError {
  return err instanceof IngestError && (code === undefined || err.code === code);
}

/**
 * Any error a request ended with, as an IngestError: fastify's own (body limit, media type,
 * Content-Length) get the matching codes; anything unexpected is WEIR_INGEST_INTERNAL.
 */
export function asIngestError(err: unknown): IngestError {
  if (err instanceof IngestError) return err;
  const status = typeof err === 'object' && err !== null && 'statusCode' in err ? Number(err.statusCode) : 500;
  const message = err instanceof Error ? err.message : String(err);
  if (status === 413) return new IngestError('WEIR_INGEST_BODY_TOO_LARGE', 413, message, { cause: err });
  if (status === 415) return new IngestError('WEIR_INGEST_UNSUPPORTED_MEDIA_TYPE', 415, message, { cause: err });
  if (status >= 400 && status < 500) return new IngestError('WEIR_INGEST_BAD_REQUEST', status, message, { cause: err });
  return new IngestError('WEIR_INGEST_INTERNAL', 500, 'internal error (logged)', { cause: err });
}

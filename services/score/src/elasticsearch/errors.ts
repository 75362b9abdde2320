/**
 * Every failure the Elasticsearch sink raises carries a stable `code`, so the score service
 * branches on it (crash and not commit offsets, alert) without parsing messages. Bad settings are
 * not among them: the stream env helper reports those as a StreamError with code WEIR_CONFIG.
 */
import { CodedError } from '@weir/contracts';
export type EsSinkErrorCode =
  /** A ScoreRecord that cannot become a document (non-finite score, invalid time): dead-lettered, never sent. */
  | 'WEIR_ES_DOCUMENT'
  /** A whole request ES refused for a reason retrying cannot fix (401, 403, 404, 413...): a configuration fault. */
  | 'WEIR_ES_REQUEST'
  /** A response that is not what the bulk API returns (item count or shape mismatch). */
  | 'WEIR_ES_RESPONSE'
  /** The dead-letter callback failed: a record would be lost, so the sink stops and flush() rejects. */
  | 'WEIR_ES_DEAD_LETTER'
  /** The index template could not be installed. */
  | 'WEIR_ES_TEMPLATE'
  /** write() after close(). */
  | 'WEIR_ES_CLOSED'
  /**
   * ES unreachable or overloaded (no connection, timeouts, 429, 502-504) through every attempt of
   * a document: transient. flush() rejects with it; the records are written again later.
   */
  | 'WEIR_ES_UNAVAILABLE';

export class EsSinkError extends CodedError<EsSinkErrorCode> {
  override readonly name = 'EsSinkError';

  override get transient(): boolean {
    return this.code === 'WEIR_ES_UNAVAILABLE';
  }
}

export function isEsSinkError(err: unknown, code?: EsSinkErrorCode): err is EsSinkError {
  return err instanceof EsSinkError && (code === undefined || err.code === code);
}

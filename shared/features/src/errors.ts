/**
 * Every failure this package raises carries a stable `code`, so the stream stages can route a
 * record to a dead-letter topic (or refuse to start) by code without parsing messages.
 */
import { CodedError } from '@weir/contracts';
export type FeatureErrorCode =
  /** A configuration value out of range or malformed (time zone, session key, window size...). */
  | 'WEIR_FEATURES_CONFIG'
  /** An input record the library cannot use (non-finite event time, missing customer...). */
  | 'WEIR_FEATURES_INVALID_INPUT'
  /** An event the session key needs a client address for, and that has none (a redacted log keyed by ip_ua). */
  | 'WEIR_FEATURES_NO_ADDRESS'
  /** A record computed by other feature code (its `featureSet` differs from this library's). */
  | 'WEIR_FEATURES_FINGERPRINT_MISMATCH'
  /** A checkpoint that cannot be restored: wrong version, malformed, or built with other settings. */
  | 'WEIR_FEATURES_SNAPSHOT';

export class FeatureError extends CodedError<FeatureErrorCode> {
  override readonly name = 'FeatureError';
}

export function isFeatureError(err: unknown, code?: FeatureErrorCode): err is FeatureError {
  return err instanceof FeatureError && (code === undefined || err.code === code);
}

/**
 * Every failure of the serde or a registry carries a stable `code`, so callers (the stream runtime's
 * dead-letter routing, the CLI) can branch on it without parsing messages.
 */
import { CodedError } from './coded-error.js';

export type ContractErrorCode =
  /** First byte is not the Confluent magic byte 0: not registry-framed Avro (or another framing). */
  | 'WEIR_SERDE_UNKNOWN_MAGIC_BYTE'
  /** Shorter than the 5-byte frame header, or Avro body that does not decode with its writer schema. */
  | 'WEIR_SERDE_MALFORMED'
  /** The frame names a schema id the registry does not know. */
  | 'WEIR_SCHEMA_UNKNOWN_ID'
  /** A schema change the subject's compatibility level forbids, or a writer schema the reader cannot resolve. */
  | 'WEIR_SCHEMA_INCOMPATIBLE'
  /** The schema text itself is not valid Avro. */
  | 'WEIR_SCHEMA_INVALID'
  /** A value that does not match the schema it is encoded with; `paths` names the offending fields. */
  | 'WEIR_RECORD_INVALID'
  /** A topic with no schema in the topic map. */
  | 'WEIR_TOPIC_UNKNOWN'
  /** The remote registry refused our credentials (HTTP 401/403). */
  | 'WEIR_REGISTRY_UNAUTHORIZED'
  /** The remote registry could not be reached or answered an unexpected error. */
  | 'WEIR_REGISTRY_UNAVAILABLE'
  /** Inconsistent registry configuration (e.g. a username without a password). */
  | 'WEIR_REGISTRY_CONFIG';

export class ContractError extends CodedError<ContractErrorCode> {
  override readonly name = 'ContractError';
  /** For WEIR_RECORD_INVALID: each offending field as a dotted path (`reasons.0.value`). */
  readonly paths: string[];

  constructor(code: ContractErrorCode, message: string, opts: { paths?: string[]; cause?: unknown } = {}) {
    super(code, message, opts);
    this.paths = opts.paths ?? [];
  }

  /** The registry not answering: the record is fine, the registry will be back. */
  override get transient(): boolean {
    return this.code === 'WEIR_REGISTRY_UNAVAILABLE';
  }
}

export function isContractError(err: unknown, code?: ContractErrorCode): err is ContractError {
  return err instanceof ContractError && (code === undefined || err.code === code);
}

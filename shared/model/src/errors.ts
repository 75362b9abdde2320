/**
 * Every failure this package raises carries a stable `code`, so the score service and the CLI can
 * branch on it (refuse a model, alert, exit non-zero) without parsing messages.
 */
import { CodedError } from '@weir/contracts';
export type ModelErrorCode =
  /** The model was built by feature code other than the code that is running: its inputs would mean something else. */
  | 'WEIR_MODEL_FINGERPRINT'
  /** Rows or names that do not fit the pipeline (wrong width, unknown feature, empty batch where one is needed). */
  | 'WEIR_MODEL_INPUT'
  /** A saved pipeline whose files are missing, unreadable, or not what this code writes. */
  | 'WEIR_MODEL_FORMAT'
  /** A saved pipeline whose content no longer hashes to its recorded version (partial copy, edited weights). */
  | 'WEIR_MODEL_INTEGRITY'
  /** Training data or options that cannot train a model (one class only, bad split, mismatched lengths). */
  | 'WEIR_MODEL_TRAINING'
  /** Thresholds outside 0 ≤ suspicious ≤ bot ≤ 1. */
  | 'WEIR_MODEL_THRESHOLDS'
  /** Scoring with a pipeline after `dispose()` (e.g. one a model store has replaced and released). */
  | 'WEIR_MODEL_DISPOSED'
  /** A TF.js backend that is not installed or failed to initialise. */
  | 'WEIR_MODEL_BACKEND';

export class ModelError extends CodedError<ModelErrorCode> {
  override readonly name = 'ModelError';
}

export function isModelError(err: unknown, code?: ModelErrorCode): err is ModelError {
  return err instanceof ModelError && (code === undefined || err.code === code);
}

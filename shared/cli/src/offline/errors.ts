/**
 * Failures of the offline commands (features, train, evaluate, score) that the person at the
 * terminal can act on: a missing input, a malformed labels file, nothing to train on. Each carries
 * a stable code so scripts can branch on it; `runReported` prints them as one line, not a stack.
 */
import { CodedError } from '@weir/contracts';
import { isLogFormatError } from '@weir/logs';
import { isFeatureError } from '@weir/features';
import { isModelError } from '@weir/model';
import { UsageError } from '../command.js';

export type OfflineErrorCode =
  /** An input file or directory that is missing or unreadable, or a directory with no logs. */
  | 'WEIR_CLI_INPUT'
  /** An output file that cannot be written. */
  | 'WEIR_CLI_OUTPUT'
  /** A labels file that is missing or not `session,label[,family]` CSV. */
  | 'WEIR_CLI_LABELS'
  /** Labels that match no session (wrong session key, wrong file), or only one class. */
  | 'WEIR_CLI_NO_LABELLED'
  /** A session key the log cannot give, e.g. ip_ua on a log whose addresses are redacted. */
  | 'WEIR_CLI_SESSION_KEY'
  /** No usable model where one was asked for (none there, or trained on other feature code). */
  | 'WEIR_CLI_MODEL';

export class OfflineError extends CodedError<OfflineErrorCode> {
  override readonly name = 'OfflineError';
}

/**
 * Runs a command's body. A bad `--format` or `--session-key` (caught by the log or feature
 * library) is a usage error; a coded data or model failure is printed as `weir <name>: message
 * (CODE)` with exit code 1. Anything else is a bug and keeps its stack.
 */
export async function runReported(name: string, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (err) {
    if (isLogFormatError(err) || isFeatureError(err, 'WEIR_FEATURES_CONFIG')) throw new UsageError(err.message);
    if (err instanceof OfflineError || isModelError(err)) {
      console.error(`weir ${name}: ${err.message} (${err.code})`);
      return 1;
    }
    throw err;
  }
}

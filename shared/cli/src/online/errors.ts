/**
 * Failures of the commands that work on a running deployment (replay, groups, es): coded, printed
 * as one line `weir <name>: message (CODE)` with exit status 1, like the offline commands' errors.
 */
import { isStreamError } from '@weir/stream';
import { runReported } from '../offline/errors.js';

export type OnlineErrorCode =
  /** A time range that is empty, reversed, or not a time. */
  | 'WEIR_CLI_RANGE'
  /** A log topic that does not exist, or records that cannot be read. */
  | 'WEIR_CLI_TOPIC'
  /** Something that would touch the live pipeline: its topics, groups or index. */
  | 'WEIR_CLI_LIVE'
  /** A consumer group with live members, or in a state the command cannot work on. */
  | 'WEIR_CLI_GROUP'
  /** Elasticsearch refused a request or documents. */
  | 'WEIR_CLI_ES';

export class OnlineError extends Error {
  override readonly name = 'OnlineError';

  constructor(
    readonly code: OnlineErrorCode,
    message: string,
    options: { cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
  }
}

/** Runs a command's body; coded failures (its own, the bus's, a bad environment) become one line. */
export async function runOnline(name: string, body: () => Promise<number>): Promise<number> {
  return runReported(name, async () => {
    try {
      return await body();
    } catch (err) {
      if (err instanceof OnlineError || isStreamError(err)) {
        console.error(`weir ${name}: ${err.message} (${err.code})`);
        return 1;
      }
      throw err;
    }
  });
}

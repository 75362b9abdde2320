/**
 * A format string that cannot be compiled (unknown directive, unbalanced braces, fields with no
 * separator between them, a format without a time). Thrown once, when the parser is built, never
 * per line: a bad line is a rejection result, a bad format is a configuration error.
 */
export class LogFormatError extends Error {
  override readonly name = 'LogFormatError';
  readonly code = 'WEIR_LOG_FORMAT';

  constructor(message: string) {
    super(message);
  }
}

export function isLogFormatError(err: unknown): err is LogFormatError {
  return err instanceof LogFormatError;
}

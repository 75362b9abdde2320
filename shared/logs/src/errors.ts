/**
 * A format string that cannot be compiled (unknown directive, unbalanced braces, fields with no
 * separator between them, a format without a time). Thrown once, when the parser is built, never
 * per line: a bad line is a rejection result, a bad format is a configuration error.
 */
import { CodedError } from '@weir/contracts';
export class LogFormatError extends CodedError<'WEIR_LOG_FORMAT'> {
  override readonly name = 'LogFormatError';

  constructor(message: string) {
    super('WEIR_LOG_FORMAT', message);
  }
}

export function isLogFormatError(err: unknown): err is LogFormatError {
  return err instanceof LogFormatError;
}

/** One `weir <name>` command. `run` gets the arguments after the name and returns the exit code. */
import { CodedError } from '@weir/contracts';
export interface Command {
  summary: string;
  usage: string;
  run(argv: string[]): Promise<number>;
}

/** An error whose message is meant for the person at the terminal: printed without a stack. */
export class UsageError extends CodedError<'WEIR_USAGE'> {
  constructor(message: string) {
    super('WEIR_USAGE', message);
  }
}

/**
 * One `weir` CLI command as an entry of the image (`weir-service topics|replay ...`, for the
 * chart's Jobs): its exit code, and a usage error printed the way the CLI prints it.
 */
import { UsageError, type Command } from '../../shared/cli/src/command.js';

export async function runCliCommand(name: string, command: Command, args: string[]): Promise<void> {
  try {
    process.exitCode = await command.run(args);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`weir ${name}: ${err.message}\nusage: ${command.usage}\n`);
    process.exitCode = 2;
  }
}

/** `weir-service topics plan|apply ...`: the CLI's topics command in the image (the chart's hook Job runs it). */
import { command } from '../../shared/cli/src/commands/topics.js';
import { UsageError } from '../../shared/cli/src/command.js';

try {
  process.exitCode = await command.run(process.argv.slice(2));
} catch (err) {
  if (!(err instanceof UsageError)) throw err;
  process.stderr.write(`weir topics: ${err.message}\nusage: ${command.usage}\n`);
  process.exitCode = 2;
}

/** `weir-service topics plan|apply ...`: the CLI's topics command in the image (the chart's hook Job runs it). */
import { command } from '../../shared/cli/src/commands/topics.js';
import { runCliCommand } from './cli-command.js';

await runCliCommand('topics', command, process.argv.slice(2));

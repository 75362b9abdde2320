/** `weir-service replay ...`: the CLI's replay command in the image (the chart's replay Job runs it). */
import { command } from '../../shared/cli/src/commands/replay.js';
import { runCliCommand } from './cli-command.js';

await runCliCommand('replay', command, process.argv.slice(2));

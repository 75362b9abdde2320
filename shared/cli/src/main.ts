#!/usr/bin/env node
import { commands } from './commands.js';
import { UsageError } from './command.js';

function help(): string {
  const lines = ['usage: weir <command> [options]', '', 'commands:'];
  for (const name of Object.keys(commands).sort()) lines.push(`  ${name}`);
  lines.push('', "run 'weir <command> --help' for a command's options");
  return lines.join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h') {
    console.log(help());
    return name ? 0 : 2;
  }
  const load = commands[name];
  if (!load) {
    console.error(`weir: unknown command '${name}'\n\n${help()}`);
    return 2;
  }
  const { command } = await load();
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(`${command.summary}\n\nusage: ${command.usage}`);
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`weir ${name}: ${err.message}\nusage: ${command.usage}`);
      return 2;
    }
    throw err;
  }
}

// pnpm passes a literal "--" through when called as `pnpm weir -- cmd`; drop it.
const args = process.argv.slice(2).filter((a, i) => !(i === 0 && a === '--'));
main(args).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  },
);

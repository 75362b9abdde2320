import { logEnv, registryEnv } from './env.js';
import { busEnv, describeEnv, type EnvSpec } from '@weir/stream';

/** A stage service's `--help`: what it does and every variable it reads, its own first. */
export function printServiceHelp(name: string, summary: string, spec: EnvSpec): void {
  const indent = (lines: string[]) => lines.map((line) => `  ${line}`);
  const text = [
    `weir ${name}: ${summary}`,
    '',
    'Environment:',
    ...indent(describeEnv(spec)),
    '',
    'Bus:',
    ...indent(describeEnv(busEnv)),
    '',
    'Schema registry:',
    ...indent(describeEnv(registryEnv)),
    '',
    'Logging:',
    ...indent(describeEnv(logEnv)),
  ];
  process.stdout.write(`${text.join('\n')}\n`);
}

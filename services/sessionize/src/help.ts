import { logEnv, registryEnv } from '@weir/service';
import { busEnv, describeEnv, type EnvSpec } from '@weir/stream';

/** `--help`: what the service does and every variable it reads, its own first. */
export function printHelp(name: string, summary: string, spec: EnvSpec): void {
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

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
    'Schema registry: SCHEMA_REGISTRY_URL (unset: the embedded one), SCHEMA_REGISTRY_USERNAME, SCHEMA_REGISTRY_PASSWORD',
    'Logging: WEIR_LOG_LEVEL or LOG_LEVEL (default info)',
  ];
  process.stdout.write(`${text.join('\n')}\n`);
}

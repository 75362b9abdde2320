/** Runs a setup command (mvn, javac, pip) to completion; a failure reports the command's own last words. */
import { spawn } from 'node:child_process';
import { infraError } from './errors.js';

export interface ExecOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

const TAIL_LINES = 40;

export function tail(text: string, lines = TAIL_LINES): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

export function exec(command: string, args: readonly string[], options: ExecOptions = {}): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    // No stdin: under CI nothing may wait for an answer.
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', (err) =>
      reject(infraError('WEIR_INFRA_COMMAND', `cannot run ${command}: ${err.message}`)),
    );
    child.on('close', (code, signal) => {
      if (code === 0) return resolvePromise(output);
      const how = signal ? `was killed by ${signal}` : `exited with ${String(code)}`;
      reject(infraError('WEIR_INFRA_COMMAND', `${command} ${args.join(' ')} ${how}:\n${tail(output)}`));
    });
  });
}

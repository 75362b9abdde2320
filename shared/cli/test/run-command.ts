/** Runs a `weir` command in-process, as main.ts would, capturing what it prints. */
import type { Command } from '../src/command.js';

export interface CommandRun {
  code: number;
  /** console.log output, lines joined by newlines. */
  out: string;
  /** console.error output and direct stderr writes (progress). */
  err: string;
}

export async function runCommand(command: Command, args: string[]): Promise<CommandRun> {
  const out: string[] = [];
  const err: string[] = [];
  const { log, error } = console;
  const write = process.stderr.write.bind(process.stderr);
  console.log = (...parts: unknown[]) => void out.push(parts.join(' '));
  console.error = (...parts: unknown[]) => void err.push(parts.join(' '));
  process.stderr.write = ((chunk: string | Uint8Array) => {
    err.push(String(chunk));
    return true;
  }) as typeof process.stderr.write;
  try {
    return { code: await command.run(args), out: out.join('\n'), err: err.join('') };
  } finally {
    console.log = log;
    console.error = error;
    process.stderr.write = write;
  }
}

/** The last line printed, parsed: the offline commands end with one JSON object. */
export function lastJson(out: string): Record<string, unknown> {
  const lines = out.trimEnd().split('\n');
  return JSON.parse(lines[lines.length - 1] as string) as Record<string, unknown>;
}

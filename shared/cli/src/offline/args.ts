/** Flag parsing shared by the offline commands: node:util parseArgs, its complaints as usage errors. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from '../command.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * Parses `argv` strictly. Positionals are allowed and returned: `--input logs/*.log` reaches us
 * as `--input a.log b.log c.log` after the shell's expansion, so the commands that take several
 * inputs treat positionals as more inputs.
 */
export function parseFlags<const O extends Options>(argv: string[], options: O) {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: true });
  } catch (err) {
    // Unknown flags, missing values: node:util says which.
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
}

/** A flag's value as a number within [min, max] (whole if `integer`), or `fallback` when not given. */
export function numberFlag(name: string, value: string | undefined, fallback: number, min: number, max: number, integer = false): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) {
    throw new UsageError(`--${name} must be ${integer ? 'a whole number' : 'a number'} from ${min} to ${max}, not '${value}'`);
  }
  return n;
}

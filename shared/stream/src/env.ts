/**
 * A small typed schema for environment variables, shared by this package and the services:
 *
 *   const settings = readEnv({
 *     port: env.int('PORT', { min: 1, max: 65535 }).default(8080),
 *     window: env.duration('WINDOW').default('5m'),       // → milliseconds
 *     label: env.string('LABEL').optional(),
 *   });
 *
 * Every variable is checked before anything is reported, so one start-up shows every problem
 * (a StreamError with code WEIR_CONFIG and one line per problem in `problems`).
 * An empty value counts as unset: `export X=` means "no value" to most people.
 */
import { StreamError } from './errors.js';

export type Parsed<T> = { ok: true; value: T } | { ok: false; problem: string };
type Convert<T> = (raw: string) => Parsed<T>;

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const bad = (problem: string): { ok: false; problem: string } => ({ ok: false, problem });

export class EnvVar<T> {
  private constructor(
    readonly name: string,
    /** What a valid value looks like, for messages and help text. */
    readonly expected: string,
    private readonly convert: Convert<T>,
    private readonly whenUnset: () => Parsed<T>,
    readonly required: boolean,
    /** The default as written in the environment (`'30s'`), kept for help texts and the README's table. */
    readonly defaultText: string | undefined = undefined,
    /** What the variable controls, for help texts and the README's table. */
    readonly description: string | undefined = undefined,
  ) {}

  static of<T>(name: string, expected: string, convert: Convert<T>): EnvVar<T> {
    return new EnvVar(name, expected, convert, () => bad(`${name} is required (${expected})`), true);
  }

  /** Unset → undefined. */
  optional(): EnvVar<T | undefined> {
    return new EnvVar<T | undefined>(this.name, this.expected, this.convert, () => ok(undefined), false, undefined, this.description);
  }

  /** Unset → this value, written as it would be in the environment (`'30s'`, `true`, `8080`). */
  default(value: string | number | boolean): EnvVar<T> {
    const raw = String(value);
    const convert = this.convert;
    const name = this.name;
    const whenUnset = (): Parsed<T> => {
      const parsed = convert(raw);
      return parsed.ok ? parsed : bad(`${name}: the default ${JSON.stringify(raw)} is invalid: ${parsed.problem}`);
    };
    return new EnvVar<T>(this.name, this.expected, this.convert, whenUnset, false, raw, this.description);
  }

  /** The same variable with a one-line description of what it controls. */
  describe(description: string): EnvVar<T> {
    return new EnvVar<T>(this.name, this.expected, this.convert, this.whenUnset, this.required, this.defaultText, description);
  }

  /** The value, or a one-line problem naming the variable. */
  parse(source: NodeJS.ProcessEnv): Parsed<T> {
    const given = source[this.name]?.trim();
    if (!given) return this.whenUnset();
    const parsed = this.convert(given);
    return parsed.ok ? parsed : bad(`${this.name}=${JSON.stringify(given)} is invalid: ${parsed.problem}`);
  }
}

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `250ms`, `30s`, `1.5m`, `2h`, `1d` → milliseconds. A bare number is refused: seconds or ms? */
export function parseDuration(raw: string): Parsed<number> {
  const match = DURATION.exec(raw.trim());
  if (!match) return bad('expected a duration such as 500ms, 30s, 5m, 1h or 1d');
  return ok(Math.round(Number(match[1]) * UNIT_MS[match[2]!]!));
}

function inRange(value: number, min: number | undefined, max: number | undefined): Parsed<number> {
  if (min !== undefined && value < min) return bad(`must be at least ${min}`);
  if (max !== undefined && value > max) return bad(`must be at most ${max}`);
  return ok(value);
}

function rangeText(min: number | undefined, max: number | undefined): string {
  if (min !== undefined && max !== undefined) return ` from ${min} to ${max}`;
  if (min !== undefined) return ` >= ${min}`;
  if (max !== undefined) return ` <= ${max}`;
  return '';
}

const TRUE = new Set(['true', '1', 'yes', 'on']);
const FALSE = new Set(['false', '0', 'no', 'off']);

export const env = {
  string(name: string, opts: { pattern?: RegExp; expected?: string } = {}): EnvVar<string> {
    const expected = opts.expected ?? (opts.pattern ? `text matching ${opts.pattern}` : 'text');
    return EnvVar.of(name, expected, (raw) =>
      opts.pattern && !opts.pattern.test(raw) ? bad(`expected ${expected}`) : ok(raw),
    );
  },

  int(name: string, opts: { min?: number; max?: number } = {}): EnvVar<number> {
    return EnvVar.of(name, `an integer${rangeText(opts.min, opts.max)}`, (raw) =>
      /^-?\d+$/.test(raw) ? inRange(Number(raw), opts.min, opts.max) : bad('expected an integer'),
    );
  },

  number(name: string, opts: { min?: number; max?: number } = {}): EnvVar<number> {
    return EnvVar.of(name, `a number${rangeText(opts.min, opts.max)}`, (raw) => {
      const value = Number(raw);
      return Number.isFinite(value) ? inRange(value, opts.min, opts.max) : bad('expected a number');
    });
  },

  bool(name: string): EnvVar<boolean> {
    return EnvVar.of(name, 'true or false', (raw) => {
      const lower = raw.toLowerCase();
      if (TRUE.has(lower)) return ok(true);
      if (FALSE.has(lower)) return ok(false);
      return bad('expected true or false (or 1/0, yes/no, on/off)');
    });
  },

  oneOf<const V extends string>(name: string, values: readonly V[]): EnvVar<V> {
    const expected = `one of ${values.join(', ')}`;
    return EnvVar.of(name, expected, (raw) => {
      const found = values.find((v) => v === raw.toLowerCase());
      return found === undefined ? bad(`expected ${expected}`) : ok(found);
    });
  },

  /** Milliseconds. */
  duration(name: string, opts: { min?: string; max?: string } = {}): EnvVar<number> {
    const min = opts.min === undefined ? undefined : parseDuration(opts.min);
    const max = opts.max === undefined ? undefined : parseDuration(opts.max);
    return EnvVar.of(name, 'a duration such as 500ms, 30s, 5m, 1h', (raw) => {
      const parsed = parseDuration(raw);
      if (!parsed.ok) return parsed;
      if (min?.ok && parsed.value < min.value) return bad(`must be at least ${opts.min}`);
      if (max?.ok && parsed.value > max.value) return bad(`must be at most ${opts.max}`);
      return parsed;
    });
  },

  /** Comma-separated; blanks around items and empty items are dropped. */
  list(name: string, opts: { item?: RegExp; expected?: string } = {}): EnvVar<string[]> {
    const expected = opts.expected ?? 'a comma-separated list';
    return EnvVar.of(name, expected, (raw) => {
      const items = raw.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
      if (items.length === 0) return bad(`expected ${expected}`);
      const wrong = opts.item ? items.filter((item) => !opts.item!.test(item)) : [];
      return wrong.length > 0 ? bad(`${wrong.map((w) => JSON.stringify(w)).join(', ')}: expected ${expected}`) : ok(items);
    });
  },

  url(name: string, opts: { protocols?: string[] } = {}): EnvVar<string> {
    const protocols = opts.protocols ?? ['http:', 'https:'];
    const expected = `a URL (${protocols.map((p) => p.replace(':', '')).join(' or ')})`;
    return EnvVar.of(name, expected, (raw) => {
      try {
        const url = new URL(raw);
        return protocols.includes(url.protocol) ? ok(raw) : bad(`expected ${expected}`);
      } catch {
        return bad(`expected ${expected}`);
      }
    });
  },
};

export type EnvSpec = Record<string, EnvVar<unknown>>;
export type EnvValues<S extends EnvSpec> = { [K in keyof S]: S[K] extends EnvVar<infer T> ? T : never };

export interface ParsedEnv<S extends EnvSpec> {
  /** Each variable's value where it parsed: for checks across variables before `valid()`. */
  values: Partial<EnvValues<S>>;
  /** Every problem found; a caller adds its own (cross-variable rules, other sources) before `valid()`. */
  problems: string[];
  /**
   * Every value, typed as its spec says (a default makes it non-optional), once there is no
   * problem; else a WEIR_CONFIG error listing every one in `problems`.
   */
  valid(): EnvValues<S>;
}

/** Every variable's value where it parsed, and every problem. Never throws (`valid()` does). */
export function parseEnv<S extends EnvSpec>(spec: S, source: NodeJS.ProcessEnv = process.env): ParsedEnv<S> {
  const values: Partial<EnvValues<S>> = {};
  const problems: string[] = [];
  for (const key in spec) {
    const parsed = spec[key]!.parse(source);
    // The mapped type cannot follow `infer` through a loop variable; parse() of S[key] yields exactly EnvValues<S>[key].
    if (parsed.ok) values[key] = parsed.value as EnvValues<S>[typeof key];
    else problems.push(parsed.problem);
  }
  return {
    values,
    problems,
    valid: () => {
      if (problems.length > 0) throw configError(problems);
      // No problem: every key of the spec parsed, so none is missing.
      return values as EnvValues<S>;
    },
  };
}

/**
 * The values, or a WEIR_CONFIG error listing every problem: the variables' own and those
 * `check` finds across variables (it sees only the values that parsed).
 */
export function readEnv<S extends EnvSpec>(
  spec: S,
  source: NodeJS.ProcessEnv = process.env,
  check: (values: Partial<EnvValues<S>>) => string[] = () => [],
): EnvValues<S> {
  const parsed = parseEnv(spec, source);
  parsed.problems.push(...check(parsed.values));
  return parsed.valid();
}

export function configError(problems: string[]): StreamError {
  return new StreamError(
    'WEIR_CONFIG',
    `invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n  - ${problems.join('\n  - ')}`,
    { problems },
  );
}

/** One line per variable: name, what it takes, whether it is required, what it is for. For `--help` texts. */
export function describeEnv(spec: EnvSpec): string[] {
  return Object.values(spec).map((v) => `${v.name}: ${v.expected}${v.required ? ' (required)' : ''}${v.description ? ` — ${v.description}` : ''}`);
}

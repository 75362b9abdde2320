/** Choosing and building the parser for a format spec. */
import { compileApacheFormat } from './apache-format.js';
import { NAMED_FORMATS } from './combined.js';
import { LogFormatError } from './errors.js';
import { JsonLinesParser } from './json-lines.js';
import { compileNginxFormat } from './nginx-format.js';
import { TemplateParser } from './template-parser.js';
import type { LogTemplate } from './template.js';
import type { LogParser, ParserOptions } from './types.js';

export type FormatDialect = 'named' | 'json' | 'nginx' | 'apache';

/**
 * What kind of spec this is: `combined`, `common`, `vhost_combined` (named), `json`, or a format
 * string. `nginx:` / `apache:` in front forces the dialect; otherwise a `$name` or `${name}` makes
 * it nginx and a `%` Apache.
 */
export function detectDialect(spec: string): FormatDialect {
  if (Object.hasOwn(NAMED_FORMATS, spec)) return 'named';
  if (spec === 'json') return 'json';
  if (spec.startsWith('nginx:')) return 'nginx';
  if (spec.startsWith('apache:')) return 'apache';
  if (/\$[A-Za-z0-9_{]/.test(spec)) return 'nginx';
  if (spec.includes('%')) return 'apache';
  throw new LogFormatError(
    `unknown log format ${JSON.stringify(spec)}: use combined, common, vhost_combined, json, ` +
      `an nginx log_format string ($remote_addr ...) or an Apache LogFormat string (%h ...)`,
  );
}

/** A format string (or named format) → its literals and fields. Not for `json`. */
export function compileFormat(spec: string): LogTemplate {
  const dialect = detectDialect(spec);
  switch (dialect) {
    case 'named': {
      const format = NAMED_FORMATS[spec] as string;
      return format.includes('$') ? compileNginxFormat(format) : compileApacheFormat(format);
    }
    case 'nginx':
      return compileNginxFormat(spec.startsWith('nginx:') ? spec.slice('nginx:'.length) : spec);
    case 'apache':
      return compileApacheFormat(spec.startsWith('apache:') ? spec.slice('apache:'.length) : spec);
    case 'json':
      throw new LogFormatError('json has no format string to compile');
  }
}

/**
 * The parser for one format and one customer; build it once and reuse it for every line.
 * Throws LogFormatError (code WEIR_LOG_FORMAT) for a bad spec, or a sessionIdField /
 * clientIpField the format does not have.
 */
export function parserFor(spec: string, options: ParserOptions = {}): LogParser {
  if (detectDialect(spec) === 'json') return new JsonLinesParser(options);
  return new TemplateParser(compileFormat(spec), spec, options);
}

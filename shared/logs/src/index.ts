/**
 * @weir/logs: access log lines (Combined, Common, JSON lines, any nginx log_format or Apache
 * LogFormat string) → one normalised RequestEvent each, or a rejection saying which line and why.
 */
export { parserFor, compileFormat, detectDialect, type FormatDialect } from './parser.js';
export { parseLines, type ParseLinesOptions } from './stream.js';
export { ParseSummary } from './summary.js';
export { LogFormatError, isLogFormatError } from './errors.js';
export { COMBINED_FORMAT, COMMON_FORMAT, VHOST_COMBINED_FORMAT, NAMED_FORMATS } from './combined.js';
export { DEFAULT_JSON_FIELDS } from './json-lines.js';
export { parseClfTime, parseIsoTime } from './time.js';
export { clientAddress, hasClientAddress, NO_CLIENT_ADDRESS } from './client-address.js';
export type { LogTemplate, TemplateField } from './template.js';
export type {
  JsonFieldMapping,
  LogParser,
  ParsedLine,
  ParseResult,
  ParserOptions,
  RejectCode,
  RejectedLine,
} from './types.js';

/** The streaming helper: lines in, results out, counted. The only place that reads from a source. */
import { parserFor } from './parser.js';
import { ParseSummary } from './summary.js';
import type { LogParser, ParseResult, ParserOptions } from './types.js';

export interface ParseLinesOptions extends ParserOptions {
  /** A parser already built; otherwise one is built from `format` and the other options. */
  parser?: LogParser;
  /** Format spec when no parser is given; default `combined`. */
  format?: string;
  /** Counts every line into this summary as it goes (read it after the loop). */
  summary?: ParseSummary;
  /** Number of the first line, when the source does not start at the top of a file; default 1. */
  firstLine?: number;
}

/**
 * Parses each line of `lines` (strings without their newline, as node:readline yields them) and
 * yields its result: events and rejections alike, in order. Blank lines are counted, not yielded.
 */
export async function* parseLines(
  lines: AsyncIterable<string> | Iterable<string>,
  options: ParseLinesOptions = {},
): AsyncGenerator<ParseResult, ParseSummary, undefined> {
  const parser = options.parser ?? parserFor(options.format ?? 'combined', options);
  const summary = options.summary ?? new ParseSummary();
  let lineNo = (options.firstLine ?? 1) - 1;
  for await (const line of lines) {
    lineNo++;
    const result = parser.parseLine(line, lineNo);
    summary.add(result);
    if (result !== null) yield result;
  }
  return summary;
}

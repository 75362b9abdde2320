/**
 * Log parsers by customer and format spec, built once and reused: compiling a format string
 * costs far more than parsing a line, and a shipper sends the same format all day.
 */
import { isLogFormatError, parserFor, type LogParser } from '@weir/logs';
import { IngestError } from './errors.js';

/** Longer specs are not log formats; refusing them bounds what a client can make us compile. */
export const MAX_FORMAT_LENGTH = 4096;

export class ParserCache {
  private readonly parsers = new Map<string, LogParser>();

  /** `maxEntries` bounds memory against clients cycling through formats; oldest go first. */
  constructor(private readonly maxEntries = 512) {}

  /** The parser for `format`; WEIR_INGEST_BAD_FORMAT (400) when the spec does not compile. */
  get(customer: string, format: string): LogParser {
    const id = `${customer}\u0000${format}`;
    const cached = this.parsers.get(id);
    if (cached) return cached;
    if (format.length > MAX_FORMAT_LENGTH) {
      throw new IngestError('WEIR_INGEST_BAD_FORMAT', 400, `the log format is longer than ${MAX_FORMAT_LENGTH} characters`);
    }
    let parser: LogParser;
    try {
      parser = parserFor(format, { customer });
    } catch (err) {
      if (isLogFormatError(err)) throw new IngestError('WEIR_INGEST_BAD_FORMAT', 400, err.message, { cause: err });
      throw err;
    }
    if (this.parsers.size >= this.maxEntries) {
      const oldest = this.parsers.keys().next();
      if (!oldest.done) this.parsers.delete(oldest.value);
    }
    this.parsers.set(id, parser);
    return parser;
  }
}

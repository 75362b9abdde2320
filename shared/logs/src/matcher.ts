/**
 * The matcher for nginx and Apache format strings: a line scanned left to right with
 * `indexOf`/`startsWith` (native, no backtracking), each field's [start, end) offsets recorded in
 * typed arrays reused for every line. It cuts no strings: TemplateParser takes only those the
 * event needs. bench/parse.bench.ts measures it against a RegExp generated from the same format.
 *
 * How a field's end is found:
 * - between `"` quotes: the first `"` that is not backslash-escaped and is followed by the rest of
 *   the next literal, so `\"` and even unescaped quotes inside a user agent do not end it early;
 * - $time_local / %t: fixed width;
 * - Apache's `%U%q`: the path ends at the `?`;
 * - $upstream_*: nginx writes lists (`0.004, 0.010 : 0.002`), so `, ` and ` : ` do not end it;
 * - the last field: runs to the last literal at the end of the line (so a 20 KB URL or a user
 *   agent with quotes in it cannot end it early);
 * - any other: the next occurrence of the following literal.
 */
import { preview, quote, rejection } from './reject.js';
import { Role, type LogTemplate, type TemplateField } from './template.js';
import { CLF_TIME_LENGTH, parseClfTime } from './time.js';
import type { RejectedLine } from './types.js';

const Strategy = { NextLiteral: 0, Quoted: 1, FixedTime: 2, List: 3, ToLineEnd: 4, BeforeQuery: 5 } as const;

const BACKSLASH = 92;

export class TemplateMatcher {
  /** Offsets of each field in the last line matched; valid until the next call. */
  readonly starts: Int32Array;
  readonly ends: Int32Array;
  private readonly literals: string[];
  private readonly fields: TemplateField[];
  private readonly strategies: Uint8Array;

  constructor(template: LogTemplate) {
    this.literals = template.literals;
    this.fields = template.fields;
    const n = this.fields.length;
    this.starts = new Int32Array(n);
    this.ends = new Int32Array(n);
    this.strategies = new Uint8Array(n);
    for (let i = 0; i < n; i++) this.strategies[i] = this.strategyOf(i);
  }

  private strategyOf(i: number): number {
    const field = this.fields[i] as TemplateField;
    const before = this.literals[i] as string;
    const after = this.literals[i + 1] as string;
    if (i === this.fields.length - 1) return Strategy.ToLineEnd;
    if (after === '' && this.fields[i + 1]?.role === Role.ArgsWithMark) return Strategy.BeforeQuery;
    if (before.endsWith('"') && after.startsWith('"')) return Strategy.Quoted;
    if (field.role === Role.TimeLocal) return Strategy.FixedTime;
    if (field.name.startsWith('upstream_') && after.startsWith(' ')) return Strategy.List;
    return Strategy.NextLiteral;
  }

  /**
   * Finds every field's offsets in `line` up to `end` (a trailing `\r` excluded by the caller);
   * returns a rejection, or null when the line has the format's layout.
   */
  match(line: string, end: number, lineNo: number): RejectedLine | null {
    const literals = this.literals;
    const fields = this.fields;
    const starts = this.starts;
    const ends = this.ends;
    const strategies = this.strategies;
    const head = literals[0] as string;
    if (!line.startsWith(head, 0)) {
      return rejection(lineNo, 'layout', `expected ${quote(head)} at column 1, found ${preview(line, 0, end)}`);
    }
    let pos = head.length;
    const n = fields.length;
    for (let i = 0; i < n; i++) {
      const next = literals[i + 1] as string;
      let valueEnd: number;
      switch (strategies[i]) {
        case Strategy.ToLineEnd:
          valueEnd = end - next.length;
          if (valueEnd < pos || !line.startsWith(next, valueEnd)) {
            return rejection(
              lineNo,
              'layout',
              `expected the line to end with ${quote(next)} after ${(fields[i] as TemplateField).label} (from column ${pos + 1})`,
            );
          }
          break;
        case Strategy.Quoted:
          valueEnd = findClosingQuote(line, pos, end, next);
          break;
        case Strategy.FixedTime:
          valueEnd = pos + CLF_TIME_LENGTH;
          if (valueEnd > end || !line.startsWith(next, valueEnd)) {
            const label = (fields[i] as TemplateField).label;
            // Say which: a time of another shape, or the wrong text after a good one.
            const goodTime = valueEnd <= end && !Number.isNaN(parseClfTime(line, pos, valueEnd));
            return rejection(
              lineNo,
              goodTime ? 'layout' : 'bad_time',
              `expected ${label} as dd/Mon/yyyy:hh:mm:ss +zzzz then ${quote(next)} at column ${pos + 1}, found ${preview(line, pos, end)}`,
            );
          }
          break;
        case Strategy.BeforeQuery: {
          // %U%q: the path stops at the `?` %q starts with, or where the text after %q begins.
          const stop = line.indexOf(literals[i + 2] as string, pos);
          const mark = line.indexOf('?', pos);
          valueEnd = mark !== -1 && (stop === -1 || mark < stop) ? mark : stop;
          break;
        }
        case Strategy.List:
          valueEnd = findListEnd(line, pos, end, next);
          break;
        default:
          valueEnd = line.indexOf(next, pos);
          if (valueEnd > end) valueEnd = -1;
      }
      if (valueEnd < 0) return this.missingLiteral(line, end, lineNo, i, pos);
      starts[i] = pos;
      ends[i] = valueEnd;
      pos = valueEnd + next.length;
    }
    return null;
  }

  /**
   * The text after field `i` was not found. Where a value has no spaces (an address, a user
   * name) and the text starts with one, the first space is where it should have been: say so
   * there, which points at the actual damage (`expected ' [' before $time_local at column 14`).
   */
  private missingLiteral(line: string, end: number, lineNo: number, i: number, pos: number): RejectedLine {
    const next = this.literals[i + 1] as string;
    const following = this.fields[i + 1];
    const space = next.startsWith(' ') && this.strategies[i] === Strategy.NextLiteral ? line.indexOf(' ', pos) : -1;
    if (space !== -1 && space < end && following !== undefined) {
      return rejection(
        lineNo,
        'layout',
        `expected ${quote(next)} before ${following.label} at column ${space + 1}, found ${preview(line, space, end)}`,
      );
    }
    return rejection(
      lineNo,
      'layout',
      `expected ${quote(next)} after ${(this.fields[i] as TemplateField).label} (which starts at column ${pos + 1}), found none`,
    );
  }

}

/** The `"` closing a quoted value: not escaped by an odd run of backslashes, followed by the rest of `next`. */
function findClosingQuote(line: string, from: number, end: number, next: string): number {
  let q = line.indexOf(next, from);
  while (q !== -1 && q < end) {
    let backslashes = 0;
    for (let k = q - 1; k >= from && line.charCodeAt(k) === BACKSLASH; k--) backslashes++;
    if ((backslashes & 1) === 0) return q;
    q = line.indexOf(next, q + 1);
  }
  return -1;
}

/** nginx joins upstream values with `, ` (several servers) and ` : ` (internal redirects). */
function findListEnd(line: string, from: number, end: number, next: string): number {
  let q = line.indexOf(next, from);
  while (q !== -1 && q < end) {
    const afterComma = q > from && line.charCodeAt(q - 1) === 44;
    const colonSeparator = line.startsWith(' : ', q) && q > from;
    if (!afterComma && !colonSeparator) return q;
    q = line.indexOf(next, q + (colonSeparator ? 3 : 1));
  }
  return -1;
}

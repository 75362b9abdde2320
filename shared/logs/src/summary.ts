/** Counting what a stream of lines turned into, so nothing is dropped without a trace. */
import type { ParseResult, RejectCode, RejectedLine } from './types.js';

export class ParseSummary {
  /** Every line seen, blank ones included. */
  lines = 0;
  parsed = 0;
  blank = 0;
  rejected = 0;
  readonly rejectedByReason: Partial<Record<RejectCode, number>> = {};
  /** The first rejections, to show what went wrong without keeping them all. */
  readonly examples: RejectedLine[] = [];

  constructor(private readonly maxExamples = 10) {}

  /** Counts one parseLine result (null for a blank line). */
  add(result: ParseResult | null): void {
    this.lines++;
    if (result === null) this.blank++;
    else if (result.ok) this.parsed++;
    else {
      this.rejected++;
      this.rejectedByReason[result.code] = (this.rejectedByReason[result.code] ?? 0) + 1;
      if (this.examples.length < this.maxExamples) this.examples.push(result);
    }
  }

  toString(): string {
    const reasons = Object.entries(this.rejectedByReason)
      .map(([code, count]) => `${code} ${count}`)
      .join(', ');
    return `${this.lines} lines: ${this.parsed} parsed, ${this.rejected} rejected${reasons ? ` (${reasons})` : ''}, ${this.blank} blank`;
  }
}

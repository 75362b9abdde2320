/** Building rejection results: rare, so clarity over speed here. */
import type { RejectCode, RejectedLine } from './types.js';

export function rejection(line: number, code: RejectCode, reason: string): RejectedLine {
  return { ok: false, line, code, reason, message: `line ${line}: ${reason}` };
}

/** Text quoted for an error message, control characters made visible. */
export function quote(text: string): string {
  return `'${text.replace(/[\x00-\x1f\x7f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)}'`;
}

/** A short view of what stands at `pos`, for "found ..." in messages. */
export function preview(line: string, pos: number, end: number): string {
  if (pos >= end) return 'the end of the line';
  const stop = Math.min(end, pos + 24);
  return quote(line.slice(pos, stop) + (stop < end ? '…' : ''));
}

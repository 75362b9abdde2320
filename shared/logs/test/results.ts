/** A parse result as the test expects it: the event of a parsed line, or the rejection of a bad one. */
import assert from 'node:assert/strict';
import type { RequestEvent } from '@weir/contracts';
import type { ParseResult, RejectedLine } from '../src/index.js';

export function event(result: ParseResult | null): RequestEvent {
  assert.ok(result !== null, 'blank');
  if (!result.ok) assert.fail(result.message);
  return result.event;
}

export function rejected(result: ParseResult | null): RejectedLine {
  assert.ok(result !== null && !result.ok, `expected a rejection, got ${JSON.stringify(result)}`);
  return result;
}

/**
 * What became of each document of a bulk request, read from the response. Pure.
 *
 * The bulk API answers 200 even when items fail; each item carries its own status, in request
 * order. An item is one of:
 *   created   201: a session's first score
 *   replaced  200: a newer score replaced the session's older one
 *   stale     409 version conflict: the index already holds a score at least as new; success
 *   retry     429/502/503/504: ES could not take it now
 *   rejected  anything else (400 mapping errors, a malformed ip...): retrying cannot help
 */
import { EsSinkError } from './errors.js';
import { isRetryableStatus } from './transient.js';

export type ItemOutcome =
  | { kind: 'created' }
  | { kind: 'replaced' }
  | { kind: 'stale' }
  | { kind: 'retry'; status: number; error: string }
  | { kind: 'rejected'; status: number; errorType: string | null; error: string };

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

/** `type: reason (caused by type: reason)`: the cause is where ES names the bad value (`'x' is not an IP string literal`). */
export function describeEsError(error: unknown): string {
  if (!isObject(error)) return error === undefined ? 'no error given' : JSON.stringify(error);
  const own = [text(error.type), text(error.reason)].filter((s) => s !== null).join(': ');
  const cause = isObject(error.caused_by) ? describeEsError(error.caused_by) : null;
  return cause === null ? own : `${own} (caused by ${cause})`;
}

function outcomeOf(item: Json): ItemOutcome {
  const status = item.status;
  if (typeof status !== 'number') throw malformed('an item has no status');
  if (status === 200 || status === 201) {
    // `result` tells created from updated; the status alone would do, the result is what ES documents.
    return item.result === 'created' || (item.result === undefined && status === 201) ? { kind: 'created' } : { kind: 'replaced' };
  }
  const errorType = isObject(item.error) ? text(item.error.type) : null;
  if (status === 409 && errorType === 'version_conflict_engine_exception') return { kind: 'stale' };
  const error = describeEsError(item.error);
  return isRetryableStatus(status) ? { kind: 'retry', status, error } : { kind: 'rejected', status, errorType, error };
}

function malformed(problem: string): EsSinkError {
  return new EsSinkError('WEIR_ES_RESPONSE', `unexpected bulk response: ${problem}`);
}

/**
 * One outcome per sent document, in the order sent. `ids` are the sent ids, checked against the
 * response's so that a response which does not line up fails loudly instead of crediting the
 * wrong document.
 */
export function bulkOutcomes(body: unknown, ids: readonly string[]): ItemOutcome[] {
  if (!isObject(body) || !Array.isArray(body.items)) throw malformed('no items');
  const items: unknown[] = body.items;
  if (items.length !== ids.length) throw malformed(`${items.length} items for ${ids.length} documents`);
  return items.map((entry, i) => {
    const item = isObject(entry) ? entry.index : undefined;
    if (!isObject(item)) throw malformed(`item ${i} is not an index result`);
    if (item._id !== undefined && item._id !== ids[i]) throw malformed(`item ${i} is for id ${String(item._id)}, not ${ids[i]}`);
    return outcomeOf(item);
  });
}

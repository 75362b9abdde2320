/**
 * Where a score document lives. One index per UTC day of the SESSION's start (`firstTime`):
 *
 *   <prefix>-yyyy.MM.dd    e.g. weir-scores-2026.11.25     written to
 *   <prefix>               an alias on every one of them     searched through
 *
 * Why the session's start and not the score's time (or ES date math such as `<weir-scores-{now/d}>`):
 * a session is re-scored on every update and the newer score must REPLACE the older document, which
 * ES can only do within one index. `firstTime` never changes for a session, so every score of it
 * lands in the same index and the id plus external version decide which one stays. A rollover
 * write alias would break that the same way (an update after a rollover would duplicate the session).
 *
 * Why daily: the name matches what `index.lifecycle.parse_origination_date` parses
 * (`-yyyy.MM.dd`), so an ILM policy ages each index by the day its sessions started, not by when
 * the index happened to be created (a late score for an old session must not reset its retention).
 */

/** Index names are lower case and may not contain `\ / * ? " < > | , # :` or spaces, nor start with `-_+`. */
export const INDEX_PREFIX_PATTERN = /^[a-z0-9][a-z0-9._-]{0,199}$/;

function pad(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** `2026.11.25` for a time on that UTC day. */
export function indexDay(epochMs: number): string {
  const d = new Date(epochMs);
  return `${d.getUTCFullYear()}.${pad(d.getUTCMonth() + 1)}.${pad(d.getUTCDate())}`;
}

/** The index a session that started at `firstTime` is written to. */
export function indexNameFor(prefix: string, firstTime: number): string {
  return `${prefix}-${indexDay(firstTime)}`;
}

/**
 * Matches every daily index of `prefix`. Not `<prefix>-*`: that would also match the indices of a
 * longer prefix (`weir-scores-*` covers `weir-scores-eu-2026.11.25`), and two templates of equal
 * priority with overlapping patterns are refused by ES. Days start with the year's `2`.
 */
export function indexPatternOf(prefix: string): string {
  return `${prefix}-2*`;
}

/** The alias over every daily index: what dashboards and the API search. */
export function readAliasOf(prefix: string): string {
  return prefix;
}

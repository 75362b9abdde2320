/**
 * What a replay reads and what it publishes, as pure arithmetic on times.
 *
 * `--from` and `--to` are EVENT times: a replay publishes the sessions that ENDED (last event) in
 * [from, to), the final summaries of the windows that start in it, and those sessions' final
 * scores. Consecutive ranges therefore tile: every session belongs to exactly one range.
 *
 * Edges. A session ending just after `from` may have started up to the longest session before
 * it, and a window just after `from` counts every session active in it, so the replay starts
 * reading a WARM-UP margin earlier (default: the sessionizer's maximum duration plus its
 * lateness); what it computes there is used, never published. A session ending just before `to`
 * is only known to have ended once an inactivity gap has passed, and its window only closes once
 * the window stage's lateness has, so reading goes on for a COOL-DOWN margin after `to` (default:
 * gap + both latenesses + a window). With these margins every published session, window and score
 * equals the live pipeline's, with one documented exception: a visitor active without an
 * inactivity gap since before `from - warm-up` is cut at a different place (raise --warm-up).
 *
 * Offsets. Log records carry the time they reached Kafka, never earlier than their event time,
 * so the first record at or after `from - warm-up` (Kafka's timestamp index) is where reading
 * starts. Reading stops at the first record stamped at or after `to + cool-down + ingest lag`:
 * the ingest lag (default 5 minutes) bounds how long after its event a line reached Kafka.
 */

export interface ReplayRange {
  /** Event-time ms, inclusive. */
  from: number;
  /** Event-time ms, exclusive. */
  to: number;
  warmUpMs: number;
  coolDownMs: number;
  ingestLagMs: number;
}

export interface StageTimings {
  sessionGapMs: number;
  sessionMaxDurationMs: number;
  sessionLatenessMs: number;
  windowSizeMs: number;
  windowLatenessMs: number;
}

export const DEFAULT_INGEST_LAG_MS = 5 * 60_000;

/** `2026-12-06T10:00:00Z` (any ISO 8601 date-time Date.parse reads, with a zone) or epoch milliseconds. */
export function parseTime(flag: string, raw: string): number | { problem: string } {
  const text = raw.trim();
  if (/^\d{10,}$/.test(text)) return Number(text);
  if (/^\d{4}-\d{2}-\d{2}T[^ ]*(Z|[+-]\d{2}:?\d{2})$/.test(text)) {
    const ms = Date.parse(text);
    if (Number.isFinite(ms)) return ms;
  }
  return { problem: `--${flag} '${raw}' is not a time: use ISO 8601 with a zone (2026-12-06T10:00:00Z) or epoch milliseconds` };
}

export function defaultWarmUpMs(t: StageTimings): number {
  return t.sessionMaxDurationMs + t.sessionLatenessMs;
}

export function defaultCoolDownMs(t: StageTimings): number {
  return t.sessionGapMs + t.sessionLatenessMs + t.windowSizeMs + t.windowLatenessMs;
}

/** Kafka timestamps bounding what is read: [start, end). */
export function readBounds(range: ReplayRange): { start: number; end: number } {
  return { start: range.from - range.warmUpMs, end: range.to + range.coolDownMs + range.ingestLagMs };
}

/** Whether a closed session (its record, or its score) belongs to this replay. */
export function sessionInRange(range: ReplayRange, session: { lastTime: number }): boolean {
  return session.lastTime >= range.from && session.lastTime < range.to;
}

/** Whether a window's final summary belongs to this replay. */
export function windowInRange(range: ReplayRange, window: { windowStart: number }): boolean {
  return window.windowStart >= range.from && window.windowStart < range.to;
}

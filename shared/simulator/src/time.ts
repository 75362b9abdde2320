/** Durations, UTC offsets and instants as the simulator's options spell them. */

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** `30s`, `10m`, `2h`, `1d` (also `500ms`, `1.5h`) → milliseconds. */
export function parseDuration(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(text.trim());
  const unit = match?.[2] === undefined ? undefined : UNIT_MS[match[2]];
  if (!match || unit === undefined) {
    throw new RangeError(`invalid duration "${text}": use a number and a unit, e.g. 30s, 10m, 2h, 1d`);
  }
  const ms = Math.round(Number(match[1]) * unit);
  if (ms <= 0) throw new RangeError(`invalid duration "${text}": must be more than zero`);
  return ms;
}

/** `UTC`, `Z`, `+0100`, `-05:00`, `+5:30`, `+9` → minutes east of UTC. */
export function parseUtcOffset(text: string): number {
  const trimmed = text.trim();
  if (/^(utc|gmt|z)$/i.test(trimmed)) return 0;
  const match = /^(?:utc|gmt)?([+-])(\d{1,2})(?::?(\d{2}))?$/i.exec(trimmed);
  if (!match) throw new RangeError(`invalid UTC offset "${text}": use e.g. +0100, -05:00 or UTC`);
  const hours = Number(match[2]);
  const minutes = Number(match[3] ?? '0');
  if (hours > 14 || minutes > 59) throw new RangeError(`invalid UTC offset "${text}": out of range`);
  return (match[1] === '-' ? -1 : 1) * (hours * 60 + minutes);
}

/** Minutes east of UTC → `+0100`, the form Apache's %t uses. */
export function formatUtcOffset(minutes: number): string {
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}${String(abs % 60).padStart(2, '0')}`;
}

/**
 * An ISO 8601 instant → epoch ms. A time of day must carry `Z` or an offset: without one,
 * Date.parse reads local time and the same flags would give different files on different machines.
 */
export function parseInstant(text: string): number {
  const trimmed = text.trim();
  const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(trimmed);
  const zoned = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(trimmed);
  const ms = Date.parse(trimmed);
  if ((!dateOnly && !zoned) || Number.isNaN(ms)) {
    throw new RangeError(`invalid time "${text}": use ISO 8601 with a zone, e.g. 2025-03-04T09:00:00Z`);
  }
  return ms;
}

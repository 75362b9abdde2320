/**
 * Local hour of an event in a customer's time zone, for the night-time feature. A zone is an
 * IANA name (`Europe/Paris`, daylight saving included) or a fixed offset (`UTC`, `+05:30`, `-08`).
 */
import { FeatureError } from './errors.js';

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
/** Zone offsets change at whole quarter hours (UTC) in every zone in use, so one lookup serves 15 min. */
const OFFSET_BUCKET = 15 * MINUTE;

export interface LocalClock {
  readonly timeZone: string;
  /** Offset from UTC at `time`, in ms (positive east of Greenwich). */
  offsetAt(time: number): number;
  /** Hour of the day (0-23) at `time` in this zone. */
  hourAt(time: number): number;
}

const FIXED = /^(?:UTC|GMT)?([+-])(\d{1,2})(?::?(\d{2}))?$/i;

function fixedClock(timeZone: string, offset: number): LocalClock {
  return {
    timeZone,
    offsetAt: () => offset,
    hourAt: (time) => Math.floor((((time + offset) % DAY) + DAY) % DAY / HOUR),
  };
}

function ianaClock(timeZone: string): LocalClock {
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
    });
  } catch (cause) {
    throw new FeatureError('WEIR_FEATURES_CONFIG', `unknown time zone "${timeZone}": use an IANA name or an offset like +05:30`, { cause });
  }
  // Events arrive in time order, so the last bucket's offset is nearly always the one needed.
  let cachedBucket = Number.NaN;
  let cachedOffset = 0;
  const offsetAt = (time: number): number => {
    const bucket = Math.floor(time / OFFSET_BUCKET);
    if (bucket === cachedBucket) return cachedOffset;
    const start = bucket * OFFSET_BUCKET;
    const parts: Record<string, number> = {};
    for (const part of format.formatToParts(start)) {
      if (part.type !== 'literal') parts[part.type] = Number(part.value);
    }
    const local = Date.UTC(parts.year ?? 1970, (parts.month ?? 1) - 1, parts.day ?? 1, parts.hour ?? 0, parts.minute ?? 0);
    cachedBucket = bucket;
    cachedOffset = local - start;
    return cachedOffset;
  };
  return {
    timeZone,
    offsetAt,
    hourAt: (time) => Math.floor((((time + offsetAt(time)) % DAY) + DAY) % DAY / HOUR),
  };
}

export function localClock(timeZone: string): LocalClock {
  const zone = timeZone.trim();
  if (/^(?:UTC|GMT|Z)$/i.test(zone)) return fixedClock(timeZone, 0);
  const fixed = FIXED.exec(zone);
  if (fixed) {
    const hours = Number(fixed[2]);
    const minutes = Number(fixed[3] ?? '0');
    if (hours > 14 || minutes > 59) {
      throw new FeatureError('WEIR_FEATURES_CONFIG', `time zone offset "${timeZone}" is out of range (-14:00 to +14:00)`);
    }
    return fixedClock(timeZone, (fixed[1] === '-' ? -1 : 1) * (hours * HOUR + minutes * MINUTE));
  }
  return ianaClock(zone);
}

/** Night is 00:00 to 05:59 local time. */
export function isNightHour(hour: number): boolean {
  return hour < 6;
}

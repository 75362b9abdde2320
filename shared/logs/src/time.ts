/**
 * Log timestamps read by hand. `new Date(string)` is slow, locale-sensitive for some inputs and
 * silently accepts garbage; these readers accept exactly one layout each and return NaN otherwise.
 * All of them return epoch milliseconds (UTC).
 */

/** Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Two ASCII digits at `i` as a number, or -1. */
function digits2(s: string, i: number): number {
  const a = s.charCodeAt(i) - 48;
  const b = s.charCodeAt(i + 1) - 48;
  if (a < 0 || a > 9 || b < 0 || b > 9) return -1;
  return a * 10 + b;
}

function digits4(s: string, i: number): number {
  const hi = digits2(s, i);
  const lo = digits2(s, i + 2);
  return hi < 0 || lo < 0 ? -1 : hi * 100 + lo;
}

/** English month abbreviations as strftime's %b writes them in the C locale, keyed by their three char codes. */
const MONTHS = new Map<number, number>();
['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'].forEach((name, i) => {
  MONTHS.set(monthKey(name, 0), i + 1);
});

function monthKey(s: string, i: number): number {
  return (s.charCodeAt(i) << 16) | (s.charCodeAt(i + 1) << 8) | s.charCodeAt(i + 2);
}

function civilToEpochMs(year: number, month: number, day: number, h: number, m: number, sec: number): number {
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return Number.NaN;
  // 60 is a leap second as some loggers print it; it lands on the next minute's :00, which is what POSIX time does too.
  if (h > 23 || m > 59 || sec > 60) return Number.NaN;
  return (((daysFromCivil(year, month, day) * 24 + h) * 60 + m) * 60 + sec) * 1000;
}

/** The length of `10/Oct/2000:13:55:36 -0700`, nginx $time_local and Apache %t without brackets. */
export const CLF_TIME_LENGTH = 26;

/**
 * `10/Oct/2000:13:55:36 -0700` between `start` and `end` → epoch ms, or NaN.
 * The offset is the server's local zone, so UTC = local time − offset.
 */
export function parseClfTime(s: string, start: number, end: number): number {
  if (end - start !== CLF_TIME_LENGTH) return Number.NaN;
  const i = start;
  if (
    s.charCodeAt(i + 2) !== 47 || // '/'
    s.charCodeAt(i + 6) !== 47 ||
    s.charCodeAt(i + 11) !== 58 || // ':'
    s.charCodeAt(i + 14) !== 58 ||
    s.charCodeAt(i + 17) !== 58 ||
    s.charCodeAt(i + 20) !== 32 // ' '
  ) {
    return Number.NaN;
  }
  const day = digits2(s, i);
  const month = MONTHS.get(monthKey(s, i + 3)) ?? -1;
  const year = digits4(s, i + 7);
  const h = digits2(s, i + 12);
  const m = digits2(s, i + 15);
  const sec = digits2(s, i + 18);
  const offset = readOffset(s, i + 21, end, false);
  if (day < 0 || month < 0 || year < 0 || h < 0 || m < 0 || sec < 0 || Number.isNaN(offset)) return Number.NaN;
  return civilToEpochMs(year, month, day, h, m, sec) - offset;
}

/**
 * `+0100`, `-07:00`, `+05` (and `Z` when `allowZ`) at `i`, running exactly to `end` → offset in ms
 * east of UTC, or NaN.
 */
function readOffset(s: string, i: number, end: number, allowZ: boolean): number {
  const sign = s.charCodeAt(i);
  if (allowZ && sign === 90 /* Z */ && end - i === 1) return 0;
  if (sign !== 43 /* + */ && sign !== 45 /* - */) return Number.NaN;
  const hours = digits2(s, i + 1);
  let minutes: number;
  const rest = end - i - 3;
  if (rest === 0) minutes = 0;
  else if (rest === 2) minutes = digits2(s, i + 3);
  else if (rest === 3 && s.charCodeAt(i + 3) === 58) minutes = digits2(s, i + 4);
  else return Number.NaN;
  if (hours < 0 || hours > 23 || minutes < 0 || minutes > 59) return Number.NaN;
  const ms = (hours * 60 + minutes) * 60_000;
  return sign === 45 ? -ms : ms;
}

/**
 * ISO 8601 as nginx $time_iso8601 and JSON loggers write it: `2000-10-10T13:55:36-07:00`,
 * with `T` or a space, optional fraction of a second (kept to the millisecond, truncated), and
 * `Z`, `±hh:mm`, `±hhmm` or `±hh`. Without an offset the time is read as UTC: a log that omits its
 * zone gives us nothing better, and guessing the machine's zone would make results depend on where
 * the parser runs.
 */
export function parseIsoTime(s: string, start: number, end: number): number {
  const i = start;
  if (end - i < 19) return Number.NaN;
  const sep = s.charCodeAt(i + 10);
  if (
    s.charCodeAt(i + 4) !== 45 ||
    s.charCodeAt(i + 7) !== 45 ||
    (sep !== 84 /* T */ && sep !== 32 && sep !== 116 /* t */) ||
    s.charCodeAt(i + 13) !== 58 ||
    s.charCodeAt(i + 16) !== 58
  ) {
    return Number.NaN;
  }
  const year = digits4(s, i);
  const month = digits2(s, i + 5);
  const day = digits2(s, i + 8);
  const h = digits2(s, i + 11);
  const m = digits2(s, i + 14);
  const sec = digits2(s, i + 17);
  if (year < 0 || month < 0 || day < 0 || h < 0 || m < 0 || sec < 0) return Number.NaN;
  let j = i + 19;
  let fractionMs = 0;
  if (j < end && (s.charCodeAt(j) === 46 /* . */ || s.charCodeAt(j) === 44) /* , */) {
    j++;
    let scale = 100;
    const fracStart = j;
    for (; j < end; j++) {
      const d = s.charCodeAt(j) - 48;
      if (d < 0 || d > 9) break;
      fractionMs += d * scale;
      scale /= 10;
    }
    if (j === fracStart) return Number.NaN;
    fractionMs = Math.floor(fractionMs);
  }
  const offset = j === end ? 0 : readOffset(s, j, end, true);
  if (Number.isNaN(offset)) return Number.NaN;
  return civilToEpochMs(year, month, day, h, m, sec) + fractionMs - offset;
}

/**
 * `parseClfTime` for a stream of lines, which come in time order. Two caches: the last time's
 * whole text (a busy log repeats a second many times; one string comparison, done natively),
 * then its minute and zone (`10/Oct/2000:13:55:` and ` -0700`), so a new second of the same
 * minute costs two digits instead of a full parse.
 */
export class ClfTimeReader {
  private lastText = '';
  private lastMs = 0;
  /** `dd/Mon/yyyy:hh:mm:` of the last time read; a NUL until then, which no time starts with. */
  private minuteText = '\u0000';
  /** ` ±hhmm` of the last time read. */
  private zoneText = '';
  private minuteMs = 0;

  read(s: string, start: number, end: number): number {
    const text = s.slice(start, end);
    if (text === this.lastText) return this.lastMs;
    let ms = Number.NaN;
    if (end - start === CLF_TIME_LENGTH && s.startsWith(this.minuteText, start) && s.startsWith(this.zoneText, start + 20)) {
      const sec = digits2(s, start + 18);
      if (sec >= 0 && sec <= 60) ms = this.minuteMs + sec * 1000;
    }
    if (Number.isNaN(ms)) {
      ms = parseClfTime(s, start, end);
      if (Number.isNaN(ms)) return ms;
      this.minuteText = s.slice(start, start + 18);
      this.zoneText = s.slice(start + 20, end);
      this.minuteMs = ms - digits2(s, start + 18) * 1000;
    }
    this.lastText = text;
    this.lastMs = ms;
    return ms;
  }
}

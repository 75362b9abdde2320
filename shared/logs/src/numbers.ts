/** Numbers read by hand from a slice of the line, so no substring is cut just to call Number(). */

/**
 * Unsigned decimal integer in [start, end) → value, or -1 when empty, not all digits, or past
 * Number.MAX_SAFE_INTEGER (a double would change it silently: 9007199254740993 reads as ...992).
 */
export function parseUnsigned(s: string, start: number, end: number): number {
  if (end <= start) return -1;
  let n = 0;
  for (let i = start; i < end; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return Number.isSafeInteger(n) ? n : -1;
}

/** Powers of ten a decimal is shifted by; beyond 10^22 doubles are no longer exact anyway. */
const POW10 = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18];

/**
 * `12`, `0.123`, `1697040000.123` in [start, end) times 10^`shift` → value, or NaN.
 * Digits are accumulated as an integer and scaled once, so `0.123` s is exactly 123 ms
 * (Number('0.123') * 1000 is 123.00000000000001). Fraction digits past `shift + 6` are dropped:
 * they are below a nanosecond for every unit used here.
 */
export function parseDecimal(s: string, start: number, end: number, shift: number): number {
  if (end <= start) return Number.NaN;
  let mantissa = 0;
  let fractionDigits = 0;
  let seenDot = false;
  let digits = 0;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c === 46 /* . */ && !seenDot) {
      seenDot = true;
      continue;
    }
    const d = c - 48;
    if (d < 0 || d > 9) return Number.NaN;
    digits++;
    if (seenDot) {
      if (fractionDigits >= shift + 6) continue;
      fractionDigits++;
    }
    mantissa = mantissa * 10 + d;
  }
  if (digits === 0) return Number.NaN;
  const exp = shift - fractionDigits;
  return exp >= 0 ? mantissa * (POW10[exp] as number) : mantissa / (POW10[-exp] as number);
}

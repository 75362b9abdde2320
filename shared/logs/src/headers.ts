/** Reading values out of logged request headers. */

/** The value of cookie `name` in a Cookie header (`a=1; sid=abc`), or null. */
export function cookieValue(header: string, name: string): string | null {
  let from = 0;
  while (from < header.length) {
    const semi = header.indexOf(';', from);
    const stop = semi === -1 ? header.length : semi;
    const eq = header.indexOf('=', from);
    if (eq !== -1 && eq < stop && header.slice(from, eq).trim() === name) {
      const value = header.slice(eq + 1, stop).trim();
      return value === '' ? null : value;
    }
    from = stop + 1;
  }
  return null;
}

/**
 * The client's address from `X-Forwarded-For: client, proxy1, proxy2`: the leftmost entry,
 * or null when it is empty or `unknown` (as some proxies write).
 */
export function firstForwardedAddress(header: string): string | null {
  const comma = header.indexOf(',');
  const first = (comma === -1 ? header : header.slice(0, comma)).trim();
  return first === '' || first === '-' || first.toLowerCase() === 'unknown' ? null : first;
}

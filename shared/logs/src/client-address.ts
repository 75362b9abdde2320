/**
 * Client addresses as published logs redact them. GDPR-scrubbed and public logs replace the
 * address with `-` or nothing, write `0.0.0.0` or `xxx.xxx.xxx.xxx`, truncate it (`203.0.113.0`,
 * `2001:db8::`) or hash it. A redacted address is not an error: a log keyed by a cookie needs no
 * address at all. What cannot tell visitors apart becomes `''` (no address); truncated and hashed
 * values still separate visitors, coarsely, so they are kept as logged.
 */

/** The value `RequestEvent.clientIp` holds when the log has no usable address. */
export const NO_CLIENT_ADDRESS = '';

const MASKED = /^[xX*#?]+(?:[.:][xX*#?]*)+$/;
const PLACEHOLDERS = new Set(['-', '0.0.0.0', '::', '0:0:0:0:0:0:0:0', 'unknown', 'none', 'null', 'n/a', 'redacted', 'anonymous']);

const DIGIT_1 = 0x31;
const DIGIT_9 = 0x39;
const PRINTABLE_FIRST = 0x21;
const PRINTABLE_LAST = 0x7e;

/** A logged address → itself, or `NO_CLIENT_ADDRESS` when it is absent, a placeholder or masked out. */
export function clientAddress(logged: string | null | undefined): string {
  if (logged === null || logged === undefined) return NO_CLIENT_ADDRESS;
  // Most addresses start with 1-9, which no placeholder or mask does, and end in a printable
  // ASCII character, which trimming keeps: such an address is itself, without a lower-cased copy.
  const first = logged.charCodeAt(0);
  const last = logged.charCodeAt(logged.length - 1);
  if (first >= DIGIT_1 && first <= DIGIT_9 && last >= PRINTABLE_FIRST && last <= PRINTABLE_LAST) return logged;
  const value = logged.trim();
  if (value === '' || PLACEHOLDERS.has(value.toLowerCase()) || MASKED.test(value)) return NO_CLIENT_ADDRESS;
  return value;
}

export function hasClientAddress(clientIp: string): boolean {
  return clientIp !== NO_CLIENT_ADDRESS;
}

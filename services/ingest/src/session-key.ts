/**
 * The Kafka message key of a log event: its session key, so that every request of one session
 * lands on one partition and the sessionize stage sees a session whole, in order. The key
 * function is @weir/features' own (`sessionKeyer`), the one sessionize uses, so ingest and
 * sessionize cannot disagree on what a session is:
 *
 *   ip_ua        `<clientIp>|<userAgent>` (empty user agent when none was logged); a line
 *                without an address is rejected `no_address` (`unkeyableReason`)
 *   field:NAME   the event's `sessionId`, `clientIp`, `host` or `userAgent` for those names,
 *                else `extra[NAME]`; an event without it falls back to its ip_ua key
 */
import type { RequestEvent } from '@weir/contracts';
import { sessionKeyer, type SessionKeyer, type SessionKeySpec } from '@weir/features';

export {
  DEFAULT_SESSION_KEY,
  ipUaKey,
  NO_ADDRESS,
  sessionKeyer,
  unkeyableReason,
  type SessionKeyer,
  type SessionKeySpec,
} from '@weir/features';

/** What WEIR_SESSION_KEY accepts; field names as log formats and JSON keys spell them. */
export const SESSION_KEY_PATTERN = /^(ip_ua|field:[A-Za-z0-9_.-]+)$/;

export function isSessionKeySpec(spec: string): spec is SessionKeySpec {
  return SESSION_KEY_PATTERN.test(spec);
}

const keyers = new Map<string, SessionKeyer>();

/** The session key of `event` under `spec` (the keyer is built once per spec). */
export function sessionKeyOf(event: RequestEvent, spec: SessionKeySpec): string {
  let keyer = keyers.get(spec);
  if (!keyer) {
    keyer = sessionKeyer(spec);
    keyers.set(spec, keyer);
  }
  return keyer(event);
}

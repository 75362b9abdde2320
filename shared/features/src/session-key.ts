/**
 * What a session is keyed by, within one customer: `ip_ua` (client IP + user agent, the
 * default: works on any access log) or `field:<name>` (a caller-provided id: `field:sessionId`
 * for the event's own session id, `field:clientIp`/`host`/`userAgent`, or any extra field of the
 * log format such as `field:cookie_sid`).
 */
import type { RequestEvent } from '@weir/contracts';
import { FeatureError } from './errors.js';

export type SessionKeySpec = 'ip_ua' | `field:${string}`;

export const DEFAULT_SESSION_KEY: SessionKeySpec = 'ip_ua';

/** Event → session key. Never empty: see `sessionKeyer`. */
export type SessionKeyer = (event: RequestEvent) => string;

/** A log that redacts addresses (clientIp `''`) keys its address-less fallback sessions as `-|<user agent>`. */
export function ipUaKey(event: RequestEvent): string {
  return `${event.clientIp === '' ? '-' : event.clientIp}|${event.userAgent ?? ''}`;
}

const TOP_LEVEL = new Set(['sessionId', 'clientIp', 'host', 'userAgent']);

/** The reject / dead-letter reason of an event a session key needs an address for and that has none. */
export const NO_ADDRESS = 'no_address';

/**
 * Whether `spec` keys every event by its client address. `field:NAME` keys fall back to `ip|ua` only
 * for events without NAME, and a log keyed by a cookie needs no address: only these two need one.
 */
export function keyNeedsAddress(spec: string): boolean {
  return spec === 'ip_ua' || spec === 'field:clientIp';
}

/**
 * Why an event cannot be keyed by `spec`, or null when it can. Keying a log that redacts its
 * addresses (clientIp `''`) by address would merge every visitor with the same browser into one
 * session, and the scores of that merged "visitor" would be nonsense: the event is refused (ingest
 * rejects the line, sessionize dead-letters the record, the CLI stops) with this reason, which
 * names a key that would work. `setting` is how the caller's user sets the key
 * (`--session-key`, `WEIR_SESSION_KEY=`).
 */
export function unkeyableReason(event: Pick<RequestEvent, 'clientIp'>, spec: string, setting: string): string | null {
  if (event.clientIp !== '' || !keyNeedsAddress(spec)) return null;
  return (
    `${NO_ADDRESS}: the event has no client address ('-', empty, 0.0.0.0 or masked) and sessions are keyed by ${spec}, ` +
    `which would merge every visitor with the same user agent into one session: key them by another field the log has, ` +
    `e.g. ${setting}field:cookie_session (a $cookie_NAME or a cookie in a logged Cookie header)`
  );
}

/**
 * A keyer for `spec`. With `field:<name>`, an event without the field (or with it empty) falls
 * back to its `ip|ua` key: the first request of a visit often predates its cookie, and a bot that
 * never keeps cookies must still be sessionized rather than dropped.
 */
export function sessionKeyer(spec: string): SessionKeyer {
  if (spec === 'ip_ua') return ipUaKey;
  if (!spec.startsWith('field:') || spec.length === 'field:'.length) {
    throw new FeatureError('WEIR_FEATURES_CONFIG', `session key "${spec}" must be "ip_ua" or "field:<name>"`);
  }
  const name = spec.slice('field:'.length);
  if (TOP_LEVEL.has(name)) {
    const field = name as 'sessionId' | 'clientIp' | 'host' | 'userAgent';
    return (event) => {
      const value = event[field];
      return value === null || value === '' ? ipUaKey(event) : value;
    };
  }
  return (event) => {
    const value = event.extra[name];
    return value === undefined || value === '' ? ipUaKey(event) : value;
  };
}

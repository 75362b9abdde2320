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

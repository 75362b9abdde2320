/**
 * The Kafka message key of a log event: its session key, so that every request of one session
 * lands on one partition and the sessionize stage sees a session whole, in order.
 *
 * TEMPORARY: this mirrors `sessionKeyer` of @weir/features (shared/features/src/session-key.ts),
 * which has no package entry point yet. Once `@weir/features` exports it, replace the body of
 * this module with a re-export so ingest and sessionize can never disagree on a key.
 *
 *   ip_ua        `<clientIp>|<userAgent>` (empty user agent when none was logged)
 *   field:NAME   the event's `sessionId`, `clientIp`, `host` or `userAgent` for those names,
 *                else `extra[NAME]`; an event without it falls back to its ip_ua key
 */
import type { RequestEvent } from '@weir/contracts';

export type SessionKeySpec = 'ip_ua' | `field:${string}`;

export const DEFAULT_SESSION_KEY: SessionKeySpec = 'ip_ua';
export const SESSION_KEY_PATTERN = /^(ip_ua|field:[A-Za-z0-9_.-]+)$/;

const TOP_LEVEL = new Set(['sessionId', 'clientIp', 'host', 'userAgent']);

export function ipUaKey(event: RequestEvent): string {
  return `${event.clientIp}|${event.userAgent ?? ''}`;
}

export function isSessionKeySpec(spec: string): spec is SessionKeySpec {
  return SESSION_KEY_PATTERN.test(spec);
}

export function sessionKeyOf(event: RequestEvent, spec: SessionKeySpec): string {
  if (spec === 'ip_ua') return ipUaKey(event);
  const name = spec.slice('field:'.length);
  const value = TOP_LEVEL.has(name)
    ? event[name as 'sessionId' | 'clientIp' | 'host' | 'userAgent']
    : event.extra[name];
  return value === undefined || value === null || value === '' ? ipUaKey(event) : value;
}

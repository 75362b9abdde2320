/**
 * Sessionizer settings, their defaults and their validation. Per-customer overrides cover what
 * differs between customers' sites: how a visitor is identified, the local time zone, the hosts.
 */
import { FeatureError } from './errors.js';
import type { CustomerContext } from './accumulator.js';
import { localClock } from './local-time.js';
import { siteHosts } from './referrer.js';
import { DEFAULT_SESSION_KEY, sessionKeyer, type SessionKeyer, type SessionKeySpec } from './session-key.js';

export interface CustomerSettings {
  /** How a visitor is identified (default `ip_ua`). */
  sessionKey?: SessionKeySpec;
  /** IANA zone or UTC offset for the night feature (default `UTC`). */
  timeZone?: string;
  /** The site's own host names, to tell internal referrers from external ones. */
  siteHosts?: string[];
}

export interface SessionizerConfig extends CustomerSettings {
  /** Overrides by customer id. */
  customers?: Record<string, CustomerSettings>;
  /** Inactivity that ends a session: an event this long after the previous one starts a new session. Default 30 min. */
  gapMs?: number;
  /** Longest session: an event this long after the session's first starts a new one. Default 4 h. */
  maxDurationMs?: number;
  /** How far behind the newest event time an event may arrive and still be placed in order. Default 60 s. */
  allowedLatenessMs?: number;
  /** Emit an update after this many new events of a session (0: never by count). Default 10. */
  updateEveryEvents?: number;
  /**
   * Emit an update once event time has passed the session's oldest unemitted event by this much
   * (0: never by time). Default 30 s. Keep it below `gapMs` and below the window stage's allowed
   * lateness, so that a session's last events reach the window baseline before it closes.
   */
  updateAfterMs?: number;
  /**
   * Most sessions open at once (0: no cap). Opening one more first force-closes the session
   * least recently active (its record carries closeReason `max_open_sessions`), so memory stays
   * bounded whatever the number of visitors. Default 0.
   */
  maxOpenSessions?: number;
}

export interface ResolvedSessionizerConfig {
  readonly gapMs: number;
  readonly maxDurationMs: number;
  readonly allowedLatenessMs: number;
  readonly updateEveryEvents: number;
  readonly updateAfterMs: number;
  readonly maxOpenSessions: number;
  customer(customer: string): ResolvedCustomer;
}

export interface ResolvedCustomer {
  /** The customer's session key, for the check that an event can be keyed by it. */
  readonly sessionKey: SessionKeySpec;
  readonly keyer: SessionKeyer;
  readonly context: CustomerContext;
}

export const SESSIONIZER_DEFAULTS = {
  gapMs: 30 * 60_000,
  maxDurationMs: 4 * 3_600_000,
  allowedLatenessMs: 60_000,
  updateEveryEvents: 10,
  updateAfterMs: 30_000,
  maxOpenSessions: 0,
} as const;

function check(name: string, value: number, ok: boolean, rule: string): number {
  if (!Number.isFinite(value) || !ok) throw new FeatureError('WEIR_FEATURES_CONFIG', `${name} = ${value}: ${rule}`);
  return value;
}

export function resolveSessionizerConfig(config: SessionizerConfig = {}): ResolvedSessionizerConfig {
  const gapMs = config.gapMs ?? SESSIONIZER_DEFAULTS.gapMs;
  const maxDurationMs = config.maxDurationMs ?? SESSIONIZER_DEFAULTS.maxDurationMs;
  const allowedLatenessMs = config.allowedLatenessMs ?? SESSIONIZER_DEFAULTS.allowedLatenessMs;
  const updateEveryEvents = config.updateEveryEvents ?? SESSIONIZER_DEFAULTS.updateEveryEvents;
  const updateAfterMs = config.updateAfterMs ?? SESSIONIZER_DEFAULTS.updateAfterMs;
  check('gapMs', gapMs, gapMs > 0, 'must be > 0');
  check('maxDurationMs', maxDurationMs, maxDurationMs > 0, 'must be > 0');
  check('allowedLatenessMs', allowedLatenessMs, allowedLatenessMs >= 0, 'must be >= 0');
  check('updateEveryEvents', updateEveryEvents, Number.isInteger(updateEveryEvents) && updateEveryEvents >= 0, 'must be an integer >= 0');
  check('updateAfterMs', updateAfterMs, updateAfterMs >= 0, 'must be >= 0');
  const maxOpenSessions = config.maxOpenSessions ?? SESSIONIZER_DEFAULTS.maxOpenSessions;
  check('maxOpenSessions', maxOpenSessions, Number.isInteger(maxOpenSessions) && maxOpenSessions >= 0, 'must be an integer >= 0');

  const build = (customer: string): ResolvedCustomer => {
    const own = config.customers?.[customer] ?? {};
    const sessionKey = own.sessionKey ?? config.sessionKey ?? DEFAULT_SESSION_KEY;
    return {
      sessionKey,
      keyer: sessionKeyer(sessionKey),
      context: {
        clock: localClock(own.timeZone ?? config.timeZone ?? 'UTC'),
        site: siteHosts(customer, own.siteHosts ?? config.siteHosts ?? []),
      },
    };
  };
  // Fail on bad settings now, not at the first event of the customer that has them.
  build('');
  for (const customer of Object.keys(config.customers ?? {})) build(customer);

  const resolved = new Map<string, ResolvedCustomer>();
  return {
    gapMs,
    maxDurationMs,
    allowedLatenessMs,
    updateEveryEvents,
    updateAfterMs,
    maxOpenSessions,
    customer(customer) {
      let found = resolved.get(customer);
      if (found === undefined) {
        found = build(customer);
        resolved.set(customer, found);
      }
      return found;
    },
  };
}

/**
 * The sessionize service's settings, from the environment (the bus's KAFKA_* and WEIR_BUS are
 * read by @weir/stream, SCHEMA_REGISTRY_* by @weir/contracts). Every problem is reported at once.
 */
import { CUSTOMER_ID_PATTERN } from '@weir/contracts';
import { isFeatureError, localClock, resolveSessionizerConfig, type CustomerSettings, type SessionizerConfig } from '@weir/features';
import { portEnv, connectionProblems, groupPrefixEnv, namespaceEnv, shutdownTimeoutEnv } from '@weir/service';
import { configError, env, EnvVar, parseEnv, type DeliveryGuarantee } from '@weir/stream';

type Parsed<T> = { ok: true; value: T } | { ok: false; problem: string };

/** `acme=Europe/Paris,shop=+0100` → customer → zone; each zone checked as the sessionizer will read it. */
function parseTimeZones(raw: string): Parsed<Record<string, string>> {
  const zones: Record<string, string> = {};
  const problems: string[] = [];
  for (const item of raw.split(',').map((s) => s.trim()).filter((s) => s !== '')) {
    const at = item.indexOf('=');
    const customer = item.slice(0, at).trim();
    const zone = item.slice(at + 1).trim();
    if (at <= 0 || zone === '') problems.push(`"${item}": expected customer=zone`);
    else if (!CUSTOMER_ID_PATTERN.test(customer)) problems.push(`"${customer}" is not a customer id (letters, digits, _ -)`);
    else {
      try {
        localClock(zone);
        zones[customer] = zone;
      } catch {
        problems.push(`${customer}: unknown time zone "${zone}" (an IANA name such as Europe/Paris, or an offset such as +0100)`);
      }
    }
  }
  return problems.length > 0 ? { ok: false, problem: problems.join('; ') } : { ok: true, value: zones };
}

/** A topic pattern, held to `weir.logs.*`: the request-event schema is chosen by that prefix. */
function parseLogsPattern(raw: string): Parsed<RegExp> {
  if (!raw.startsWith('^weir\\.logs\\.')) return { ok: false, problem: 'must start with ^weir\\.logs\\. (only log topics carry request events)' };
  try {
    return { ok: true, value: new RegExp(raw) };
  } catch (err) {
    return { ok: false, problem: `not a regular expression: ${err instanceof Error ? err.message : String(err)}` };
  }
}

export const sessionizeEnv = {
  port: portEnv(9090),
  sessionKey: env.string('WEIR_SESSION_KEY', { pattern: /^(ip_ua|field:[A-Za-z0-9_.-]+)$/, expected: 'ip_ua or field:NAME' }).default('ip_ua').describe('How a visitor is identified (ip_ua: client IP and user agent; field:NAME: a field of the log line, e.g. a cookie); ingest keys messages by it, sessionize groups by it'),
  gap: env.duration('WEIR_SESSION_GAP', { min: '1s' }).default('30m').describe('Inactivity that ends a session: an event this long after the previous one starts a new session'),
  maxDuration: env.duration('WEIR_SESSION_MAX_DURATION', { min: '1s' }).default('4h').describe('Longest session: an event this long after its first starts a new one'),
  lateness: env.duration('WEIR_SESSION_LATENESS').default('60s').describe('How far behind the newest event time an event may arrive and still be placed in order; later ones are counted'),
  updateEvery: env.int('WEIR_SESSION_UPDATE_EVERY', { min: 0 }).default(10).describe('Publish an update of an open session after this many new events (0: never by count)'),
  updateAfter: env.duration('WEIR_SESSION_UPDATE_AFTER').default('30s').describe('Publish an update once event time passes the oldest unpublished event of a session by this much (0: never by time); below WEIR_SESSION_GAP and WEIR_WINDOW_LATENESS'),
  closeIdleAfter: env.duration('WEIR_CLOSE_IDLE_AFTER').default('0s').describe('Close the open sessions (sessionize) or windows (window) of an input partition with no input for this long, wall clock (0s: never)'),
  maxOpenSessions: env.int('WEIR_MAX_OPEN_SESSIONS', { min: 0 }).default(0).describe('Most sessions open at once per input partition (0: no cap); at the cap the least recently active one is closed early, marked closeReason max_open_sessions and counted in weir_sessionize_force_closed_sessions_total'),
  timeZones: EnvVar.of('WEIR_CUSTOMER_TIMEZONES', 'customer=zone, comma-separated (e.g. acme=Europe/Paris,shop=+0100)', parseTimeZones).optional().describe('Time zone per customer, for the night feature (others: UTC)'),
  delivery: env.oneOf('WEIR_DELIVERY', ['at-least-once', 'exactly-once']).default('at-least-once').describe('Delivery guarantee; at-least-once produces then commits, exactly-once uses Kafka transactions'),
  logsPattern: EnvVar.of('WEIR_LOGS_TOPIC_PATTERN', 'a regular expression starting with ^weir\\.logs\\.', parseLogsPattern).default('^weir\\.logs\\..+$').describe('Log topics to read, including ones created later'),
  groupPrefix: groupPrefixEnv,
  shutdownTimeout: shutdownTimeoutEnv,
  namespace: namespaceEnv,
};

export interface SessionizeConfig {
  port: number;
  /** Bound on the graceful stop after SIGTERM (WEIR_SHUTDOWN_TIMEOUT). */
  shutdownTimeoutMs: number;
  groupId: string;
  delivery: DeliveryGuarantee;
  /** Input: every log topic matching this, including ones created after the start. */
  logsPattern: RegExp;
  /** Prefix of the pipeline's own topics (`<ns>.weir.sessions`); undefined: the plain names. */
  namespace: string | undefined;
  closeIdleAfterMs: number;
  sessionizer: SessionizerConfig;
}

/** Throws a WEIR_CONFIG StreamError listing every problem. */
export function loadSessionizeConfig(source: NodeJS.ProcessEnv = process.env): SessionizeConfig {
  const { values: v, problems, valid } = parseEnv(sessionizeEnv, source);
  // The sessionizer's own rule: a session's last updates must reach the window stage before it closes.
  if (v.updateAfter !== undefined && v.gap !== undefined && v.updateAfter >= v.gap) {
    problems.push(`WEIR_SESSION_UPDATE_AFTER (${v.updateAfter} ms) must be below WEIR_SESSION_GAP (${v.gap} ms)`);
  }
  problems.push(...connectionProblems(source));
  const c = valid();
  const customers: Record<string, CustomerSettings> = {};
  for (const [customer, timeZone] of Object.entries(c.timeZones ?? {})) customers[customer] = { timeZone };
  const sessionizer: SessionizerConfig = {
    sessionKey: c.sessionKey === 'ip_ua' ? 'ip_ua' : `field:${c.sessionKey.slice('field:'.length)}`,
    gapMs: c.gap,
    maxDurationMs: c.maxDuration,
    allowedLatenessMs: c.lateness,
    updateEveryEvents: c.updateEvery,
    updateAfterMs: c.updateAfter,
    maxOpenSessions: c.maxOpenSessions,
    customers,
  };
  try {
    // The feature library's own checks, so that a rule added there also fails here, at start-up.
    resolveSessionizerConfig(sessionizer);
  } catch (err) {
    if (isFeatureError(err)) throw configError([err.message]);
    throw err;
  }
  return {
    port: c.port,
    shutdownTimeoutMs: c.shutdownTimeout,
    groupId: `${c.groupPrefix}-sessionize`,
    delivery: c.delivery,
    logsPattern: c.logsPattern,
    namespace: c.namespace,
    closeIdleAfterMs: c.closeIdleAfter,
    sessionizer,
  };
}

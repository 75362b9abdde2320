/**
 * The TypeScript shapes of every record that crosses a topic. Each one matches the Avro
 * schema of the same name in `schemas.ts`; `test/schemas.test.ts` checks they agree.
 * Times are epoch milliseconds (Avro `long`, logical type timestamp-millis).
 */

/** One normalised HTTP request, as ingest publishes it to `weir.logs.<customer>`. */
export interface RequestEvent {
  customer: string;
  eventTime: number;
  clientIp: string;
  userAgent: string | null;
  method: string;
  path: string;
  query: string | null;
  protocol: string | null;
  status: number;
  bytes: number;
  referrer: string | null;
  host: string | null;
  /** A caller-provided session identifier (cookie, header), when the log has one. */
  sessionId: string | null;
  /** Server time to answer, in milliseconds, when the log has it. */
  requestTimeMs: number | null;
  /** Every other field the log format carried, by its name in that format. */
  extra: Record<string, string>;
  /**
   * The optional fields the line's log format does not record, so their value here is unknown
   * rather than absent: a `referrer` of null then means "not logged", not "sent none". Absent
   * (as from producers written before it) and `[]` both mean every field is logged.
   */
  unlogged?: readonly UnloggedField[];
}

/** The fields of a RequestEvent a log format may leave out (time, request and status it may not). */
export const UNLOGGED_FIELDS = ['referrer', 'bytes', 'userAgent'] as const;
export type UnloggedField = (typeof UNLOGGED_FIELDS)[number];

/** A visitor session's behaviour so far, published to `weir.sessions` on update and on close. */
export interface SessionFeatures {
  customer: string;
  /** Stable id of this session: the same on every update of it. */
  sessionId: string;
  /** The value the session was keyed by (e.g. `ip|user agent`, or a cookie value). */
  sessionKey: string;
  clientIp: string;
  userAgent: string | null;
  firstTime: number;
  lastTime: number;
  requestCount: number;
  /** True on the last record of a session (inactivity gap passed or maximum duration reached). */
  closed: boolean;
  /**
   * Set on a close that came before the gap or maximum duration: `max_open_sessions` when the
   * sessionizer's cap on open sessions forced it. Null otherwise.
   */
  closeReason: string | null;
  /** Fingerprint of the feature registry that computed `features`. */
  featureSet: string;
  /** Feature name → value, names from the feature registry. */
  features: Record<string, number>;
}

/** Distribution of one feature over a customer's sessions in one window. */
export interface FeatureStats {
  count: number;
  mean: number;
  variance: number;
  min: number;
  max: number;
  median: number;
  /** Median absolute deviation from the median. */
  mad: number;
  /** Quantile (e.g. "0.05", "0.95") → value, from a mergeable sketch. */
  quantiles: Record<string, number>;
}

/** A customer's baseline in one time window, published to `weir.windows` on update and on close. */
export interface WindowSummary {
  customer: string;
  windowStart: number;
  windowEnd: number;
  sessionCount: number;
  /** True once the window can no longer change. */
  closed: boolean;
  featureSet: string;
  features: Record<string, FeatureStats>;
}

/** One feature's mergeable aggregate in a WindowPartial (registry order). */
export interface FeatureAggregateRecord {
  n: number;
  sum: number[];
  sumSq: number[];
  /** min and max are meaningless when n is 0. */
  min: number;
  max: number;
  accuracy: number;
  zero: number;
  positive: number[];
  negative: number[];
}

/**
 * A record of `weir.window-partials`. `window`: one partition of `weir.sessions`' share of a
 * customer's window, with `watermark` that partition's watermark of the customer and `at` the
 * time (Kafka timestamp) of the session record that made the partition send it. `progress`: how
 * far the partition has been read, as `at`: every record stamped before it has been read (null
 * once the partition was closed idle: everything), with customer '' and no window.
 */
export interface WindowPartial {
  kind: 'window' | 'progress';
  /** The partition of `weir.sessions` this describes, and how many that topic has. */
  partition: number;
  partitions: number;
  at: number | null;
  watermark: number;
  customer: string;
  windowStart: number;
  windowEnd: number;
  sessionCount: number;
  closed: boolean;
  featureSet: string;
  aggregates: FeatureAggregateRecord[];
}

/** Why a session scored as it did: one feature's contribution. */
export interface ScoreReason {
  feature: string;
  value: number;
  baselineMedian: number | null;
  /** Robust distance from the customer's baseline, (value - median) / (1.4826 * MAD). */
  robustZ: number | null;
  /** Share of the score this feature explains, larger is more. */
  contribution: number;
}

export type ScoreLabel = 'human' | 'suspicious' | 'bot';

/** A session's bot score, published to `weir.scores` and indexed into Elasticsearch. */
export interface ScoreRecord {
  customer: string;
  sessionId: string;
  sessionKey: string;
  clientIp: string;
  userAgent: string | null;
  firstTime: number;
  lastTime: number;
  requestCount: number;
  closed: boolean;
  score: number;
  label: ScoreLabel;
  modelVersion: string;
  /** True when a shadow model produced this score: shown for judging, never acted upon. */
  shadow: boolean;
  /** Start of the window whose baseline the session was compared with, when there was one. */
  windowStart: number | null;
  reasons: ScoreReason[];
  scoredAt: number;
}

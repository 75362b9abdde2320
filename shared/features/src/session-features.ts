/**
 * Session feature values from an accumulator and the session's user-agent signals, one value
 * per registry entry. The literal below is checked against the registry's names, so a feature
 * added to the registry without a computation here (or the reverse) does not compile.
 */
import { FeatureError } from './errors.js';
import * as A from './accumulator.js';
import type { SessionAccumulator } from './accumulator.js';
import type { FeatureName } from './registry.js';
import type { UaSignals } from './user-agent.js';

/** What a session knows besides its accumulator: its UA signals, dated at the session's start. */
export interface SessionProfile {
  readonly ua: UaSignals;
  /** Majors behind the current release at the first request, or null when undatable. */
  readonly versionsBehind: number | null;
}

function flag(value: boolean): number {
  return value ? 1 : 0;
}

/** A scalar of the session's accumulator record. */
function at(acc: SessionAccumulator, field: number): number {
  return acc.get(field);
}

/**
 * Feature name → value, in registry order (a test checks the order, `satisfies` the names), so
 * the JSON and Avro encodings of a record are byte-stable. Written as one object literal on
 * purpose: V8 keeps a literal's properties in fast mode, while ~60 properties assigned by
 * computed name turn the object into a slow dictionary for every consumer that reads it.
 */
export function sessionFeatureValues(acc: SessionAccumulator, profile: SessionProfile): Record<string, number> {
  const s = acc;
  const n = s.get(A.N);
  if (n === 0) throw new FeatureError('WEIR_FEATURES_INVALID_INPUT', 'no features for a session without requests');
  const duration = (at(s, A.LAST_TIME) - at(s, A.FIRST_TIME)) / 1000;
  const gapMean = at(s, A.GAP_MEAN);
  const gapStd = n > 1 ? Math.sqrt(at(s, A.GAP_M2) / (n - 1)) : 0;
  const logged = at(s, A.LOGGED);
  // A field no request's format records gives 0 to every feature read from it (`known`).
  const referrer = (logged & A.LOGGED_REFERRER) !== 0 ? 1 : 0;
  const bytes = (logged & A.LOGGED_BYTES) !== 0 ? 1 : 0;
  const userAgent = (logged & A.LOGGED_USER_AGENT) !== 0 ? 1 : 0;
  const ua = profile.ua;
  const family = userAgent === 1 ? ua.family : null;
  const uaFlag = (value: boolean): number => (userAgent === 1 && value ? 1 : 0);
  return {
    request_count: n,
    page_count: at(s, A.PAGE),
    total_bytes: bytes * at(s, A.BYTES),
    mean_bytes: (bytes * at(s, A.BYTES)) / n,

    get_count: at(s, A.GET),
    post_count: at(s, A.POST),
    head_count: at(s, A.HEAD),
    other_method_count: at(s, A.OTHER_METHOD),
    share_get: at(s, A.GET) / n,
    share_post: at(s, A.POST) / n,
    share_head: at(s, A.HEAD) / n,
    share_other_method: at(s, A.OTHER_METHOD) / n,
    share_login_post: at(s, A.LOGIN_POST) / n,

    share_2xx: at(s, A.S2XX) / n,
    share_3xx: at(s, A.S3XX) / n,
    share_4xx: at(s, A.S4XX) / n,
    share_5xx: at(s, A.S5XX) / n,

    share_page: at(s, A.PAGE) / n,
    share_image: at(s, A.IMAGE) / n,
    share_css: at(s, A.CSS) / n,
    share_js: at(s, A.JS) / n,
    share_document: at(s, A.DOCUMENT) / n,
    html_to_image_ratio: at(s, A.PAGE) / Math.max(at(s, A.IMAGE), 1),
    robots_txt: at(s, A.ROBOTS),

    share_no_referrer: (referrer * at(s, A.NO_REFERRER)) / n,
    share_referrer_search: (referrer * at(s, A.SEARCH_REFERRER)) / n,
    share_referrer_external: (referrer * at(s, A.EXTERNAL_REFERRER)) / n,

    url_depth_mean: at(s, A.DEPTH_MEAN),
    url_depth_std: Math.sqrt(at(s, A.DEPTH_M2) / n),
    max_requests_per_page: at(s, A.MAX_VIEW),
    mean_requests_per_page: n / at(s, A.VIEWS),
    longest_sequential_run: at(s, A.MAX_RUN),
    share_sequential: n > 1 ? at(s, A.SEQUENTIAL) / (n - 1) : 0,
    path_entropy: acc.pathEntropy(),
    unique_path_ratio: Math.min(1, acc.distinctPaths() / n),

    session_duration_s: duration,
    browsing_speed: at(s, A.PAGE) / Math.max(duration, 1),
    inter_arrival_mean_s: gapMean,
    inter_arrival_std_s: gapStd,
    inter_arrival_cv: gapMean > 0 ? gapStd / gapMean : 0,
    max_pages_3s: at(s, A.MAX_PAGES_3S),
    max_pages_6s: at(s, A.MAX_PAGES_6S),
    max_pages_12s: at(s, A.MAX_PAGES_12S),
    night_share: at(s, A.NIGHT) / n,

    ua_missing: uaFlag(ua.missing),
    ua_declared_bot: uaFlag(ua.declaredBot),
    ua_headless: uaFlag(ua.headless),
    ua_script_client: uaFlag(ua.scriptClient),
    ua_family_chrome: flag(family === 'chrome'),
    ua_family_firefox: flag(family === 'firefox'),
    ua_family_safari: flag(family === 'safari'),
    ua_family_edge: flag(family === 'edge'),
    ua_family_opera: flag(family === 'opera'),
    ua_family_samsung: flag(family === 'samsung'),
    ua_family_ie: flag(family === 'ie'),
    ua_family_other: flag(family === 'other'),
    ua_family_none: flag(family === 'none'),
    ua_versions_behind: userAgent * (profile.versionsBehind ?? 0),
    ua_version_known: uaFlag(profile.versionsBehind !== null),
    ua_changes: userAgent * at(s, A.UA_CHANGES),

    referrer_logged: referrer,
    bytes_logged: bytes,
    ua_logged: userAgent,
  } satisfies { readonly [K in FeatureName]: number };
}

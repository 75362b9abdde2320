/**
 * Session feature values from an accumulator and the session's user-agent signals, one value
 * per registry entry. The table below is typed by the registry's names, so a feature added to
 * the registry without a computation here (or the reverse) does not compile.
 */
import * as A from './accumulator.js';
import type { SessionAccumulator } from './accumulator.js';
import { FEATURES, type FeatureName } from './registry.js';
import type { BrowserFamily, UaSignals } from './user-agent.js';

/** What a session knows besides its accumulator: its UA signals, dated at the session's start. */
export interface SessionProfile {
  readonly ua: UaSignals;
  /** Majors behind the current release at the first request, or null when undatable. */
  readonly versionsBehind: number | null;
}

type Compute = (s: Float64Array, acc: SessionAccumulator, profile: SessionProfile) => number;

function share(index: number): Compute {
  return (s) => (s[index] as number) / (s[A.N] as number);
}

function count(index: number): Compute {
  return (s) => s[index] as number;
}

function flag(value: boolean): number {
  return value ? 1 : 0;
}

function family(name: BrowserFamily): Compute {
  return (_s, _acc, profile) => flag(profile.ua.family === name);
}

function durationSeconds(s: Float64Array): number {
  return ((s[A.LAST_TIME] as number) - (s[A.FIRST_TIME] as number)) / 1000;
}

function gapStd(s: Float64Array): number {
  const gaps = (s[A.N] as number) - 1;
  return gaps > 0 ? Math.sqrt((s[A.GAP_M2] as number) / gaps) : 0;
}

const COMPUTE: { readonly [K in FeatureName]: Compute } = {
  request_count: count(A.N),
  page_count: count(A.PAGE),
  total_bytes: count(A.BYTES),
  mean_bytes: share(A.BYTES),

  get_count: count(A.GET),
  post_count: count(A.POST),
  head_count: count(A.HEAD),
  other_method_count: count(A.OTHER_METHOD),
  share_get: share(A.GET),
  share_post: share(A.POST),
  share_head: share(A.HEAD),
  share_other_method: share(A.OTHER_METHOD),
  share_login_post: share(A.LOGIN_POST),

  share_2xx: share(A.S2XX),
  share_3xx: share(A.S3XX),
  share_4xx: share(A.S4XX),
  share_5xx: share(A.S5XX),

  share_page: share(A.PAGE),
  share_image: share(A.IMAGE),
  share_css: share(A.CSS),
  share_js: share(A.JS),
  share_document: share(A.DOCUMENT),
  html_to_image_ratio: (s) => (s[A.PAGE] as number) / Math.max(s[A.IMAGE] as number, 1),
  robots_txt: count(A.ROBOTS),

  share_no_referrer: share(A.NO_REFERRER),
  share_referrer_search: share(A.SEARCH_REFERRER),
  share_referrer_external: share(A.EXTERNAL_REFERRER),

  url_depth_mean: count(A.DEPTH_MEAN),
  url_depth_std: (s) => Math.sqrt((s[A.DEPTH_M2] as number) / (s[A.N] as number)),
  max_requests_per_page: count(A.MAX_VIEW),
  mean_requests_per_page: (s) => (s[A.N] as number) / (s[A.VIEWS] as number),
  longest_sequential_run: count(A.MAX_RUN),
  share_sequential: (s) => ((s[A.N] as number) > 1 ? (s[A.SEQUENTIAL] as number) / ((s[A.N] as number) - 1) : 0),
  path_entropy: (_s, acc) => acc.pathEntropy(),
  unique_path_ratio: (s, acc) => Math.min(1, acc.distinctPaths() / (s[A.N] as number)),

  session_duration_s: durationSeconds,
  browsing_speed: (s) => (s[A.PAGE] as number) / Math.max(durationSeconds(s), 1),
  inter_arrival_mean_s: count(A.GAP_MEAN),
  inter_arrival_std_s: gapStd,
  inter_arrival_cv: (s) => ((s[A.GAP_MEAN] as number) > 0 ? gapStd(s) / (s[A.GAP_MEAN] as number) : 0),
  max_pages_3s: count(A.MAX_PAGES_3S),
  max_pages_6s: count(A.MAX_PAGES_6S),
  max_pages_12s: count(A.MAX_PAGES_12S),
  night_share: share(A.NIGHT),

  ua_missing: (_s, _acc, p) => flag(p.ua.missing),
  ua_declared_bot: (_s, _acc, p) => flag(p.ua.declaredBot),
  ua_headless: (_s, _acc, p) => flag(p.ua.headless),
  ua_script_client: (_s, _acc, p) => flag(p.ua.scriptClient),
  ua_family_chrome: family('chrome'),
  ua_family_firefox: family('firefox'),
  ua_family_safari: family('safari'),
  ua_family_edge: family('edge'),
  ua_family_opera: family('opera'),
  ua_family_samsung: family('samsung'),
  ua_family_ie: family('ie'),
  ua_family_other: family('other'),
  ua_family_none: family('none'),
  ua_versions_behind: (_s, _acc, p) => p.versionsBehind ?? 0,
  ua_version_known: (_s, _acc, p) => flag(p.versionsBehind !== null),
  ua_changes: count(A.UA_CHANGES),
};

const ORDERED: ReadonlyArray<readonly [FeatureName, Compute]> = FEATURES.map((feature) => [feature.name, COMPUTE[feature.name]]);

/**
 * Feature name → value, in registry order (so the JSON and Avro encodings of a record are
 * byte-stable). Every value is finite; -0 is written as 0 so equal sessions encode equally.
 */
export function sessionFeatureValues(acc: SessionAccumulator, profile: SessionProfile): Record<string, number> {
  if (acc.requestCount === 0) throw new RangeError('no features for a session without requests');
  const values: Record<string, number> = {};
  const s = acc.state;
  for (const [name, compute] of ORDERED) {
    const value = compute(s, acc, profile);
    values[name] = value === 0 ? 0 : value;
  }
  return values;
}

/**
 * The feature registry: the one list of what a session feature is called, what it means and in
 * what unit. The accumulator computes exactly these names (a compile-time check in
 * `session-features.ts`), and the model, the docs and the dashboard read the same list, so a
 * name can never mean two things. `featureSetFingerprint` hashes everything that decides a
 * feature's value; it travels in every record so a consumer can tell which code computed it.
 */
import { BROWSER_RELEASES_AS_OF, browserReleaseTableText } from './browser-versions.js';
import { digestHex } from './hash.js';

export type FeatureGroup =
  | 'volume'
  | 'method'
  | 'status'
  | 'resource'
  | 'referrer'
  | 'navigation'
  | 'timing'
  | 'user_agent';

export type FeatureUnit =
  | 'requests'
  | 'pages'
  | 'bytes'
  | 'share'
  | 'ratio'
  | 'flag'
  | 'seconds'
  | 'pages/s'
  | 'bits'
  | 'levels'
  | 'versions'
  | 'count';

export interface FeatureDefinition {
  readonly name: string;
  /** One line: what the value is, precisely enough to recompute it by hand. */
  readonly definition: string;
  readonly unit: FeatureUnit;
  readonly group: FeatureGroup;
}

/** Bump when a definition's meaning changes without its text changing (e.g. a bug fix in code). */
export const FEATURE_SET_VERSION = 1;

function f<const N extends string>(name: N, unit: FeatureUnit, group: FeatureGroup, definition: string) {
  return { name, unit, group, definition } as const;
}

/** Page = no file extension, or one of .html .htm .php .asp .aspx .jsp .cfm .shtml .xhtml .cgi .pl .do .action. */
export const FEATURES = [
  f('request_count', 'requests', 'volume', 'Requests in the session.'),
  f('page_count', 'pages', 'volume', 'Page requests (path with no extension, a trailing slash, or a page extension such as .html/.php/.asp).'),
  f('total_bytes', 'bytes', 'volume', 'Sum of response bytes.'),
  f('mean_bytes', 'bytes', 'volume', 'total_bytes / request_count.'),

  f('get_count', 'requests', 'method', 'GET requests.'),
  f('post_count', 'requests', 'method', 'POST requests.'),
  f('head_count', 'requests', 'method', 'HEAD requests.'),
  f('other_method_count', 'requests', 'method', 'Requests with a method other than GET, POST and HEAD.'),
  f('share_get', 'share', 'method', 'get_count / request_count.'),
  f('share_post', 'share', 'method', 'post_count / request_count.'),
  f('share_head', 'share', 'method', 'head_count / request_count.'),
  f('share_other_method', 'share', 'method', 'other_method_count / request_count.'),
  f('share_login_post', 'share', 'method', 'POSTs whose path contains login, signin, sign-in, logon or auth (any case), / request_count.'),

  f('share_2xx', 'share', 'status', 'Requests answered 200-299, / request_count.'),
  f('share_3xx', 'share', 'status', 'Requests answered 300-399, / request_count.'),
  f('share_4xx', 'share', 'status', 'Requests answered 400-499, / request_count.'),
  f('share_5xx', 'share', 'status', 'Requests answered 500-599, / request_count.'),

  f('share_page', 'share', 'resource', 'page_count / request_count.'),
  f('share_image', 'share', 'resource', 'Requests for .jpg .jpeg .png .gif .webp .avif .svg .ico .bmp .tif .tiff, / request_count.'),
  f('share_css', 'share', 'resource', 'Requests for .css, / request_count.'),
  f('share_js', 'share', 'resource', 'Requests for .js .mjs, / request_count.'),
  f('share_document', 'share', 'resource', 'Requests for .pdf .doc .docx .xls .xlsx .ppt .pptx .odt .ods .odp .rtf .csv, / request_count.'),
  f('html_to_image_ratio', 'ratio', 'resource', 'page_count / image requests, or page_count when there were no image requests.'),
  f('robots_txt', 'flag', 'resource', '1 if /robots.txt was requested, else 0.'),

  f('share_no_referrer', 'share', 'referrer', 'Requests with no referrer (absent, empty or "-"), / request_count.'),
  f('share_referrer_search', 'share', 'referrer', 'Requests whose referrer host is a search engine (google, bing, yahoo, duckduckgo, baidu, yandex, ...), / request_count.'),
  f('share_referrer_external', 'share', 'referrer', 'Requests whose referrer is neither absent, a search engine, nor the site itself, / request_count.'),

  f('url_depth_mean', 'levels', 'navigation', 'Mean number of non-empty path segments.'),
  f('url_depth_std', 'levels', 'navigation', 'Population standard deviation of the number of non-empty path segments.'),
  f('max_requests_per_page', 'requests', 'navigation', 'Largest page view: a page request plus the requests after it until the next page request (requests before the first page form a view too).'),
  f('mean_requests_per_page', 'requests', 'navigation', 'request_count / number of page views (as in max_requests_per_page).'),
  f('longest_sequential_run', 'requests', 'navigation', 'Most consecutive sequential requests: same directory as the previous request, or the previous path extended at a "/" (/a -> /a/b).'),
  f('share_sequential', 'share', 'navigation', 'Sequential requests (as in longest_sequential_run) / (request_count - 1); 0 for one request.'),
  f('path_entropy', 'bits', 'navigation', 'Shannon entropy (base 2) of the requested paths, estimated over 64 hash buckets (exact without bucket collisions, at most 6).'),
  f('unique_path_ratio', 'ratio', 'navigation', 'Distinct paths / request_count; distinct counted exactly up to 32, then estimated by a k-minimum-values sketch (k = 32).'),

  f('session_duration_s', 'seconds', 'timing', '(last request time - first request time) in seconds.'),
  f('browsing_speed', 'pages/s', 'timing', 'page_count / max(session_duration_s, 1).'),
  f('inter_arrival_mean_s', 'seconds', 'timing', 'Mean time between consecutive requests (event-time order); 0 for one request.'),
  f('inter_arrival_std_s', 'seconds', 'timing', 'Population standard deviation of the time between consecutive requests; 0 for one request.'),
  f('inter_arrival_cv', 'ratio', 'timing', 'inter_arrival_std_s / inter_arrival_mean_s; 0 when the mean is 0.'),
  f('max_pages_3s', 'pages', 'timing', 'Most page requests within any 3 s span (t-3s, t], counted over the last 16 pages (so at most 16).'),
  f('max_pages_6s', 'pages', 'timing', 'Most page requests within any 6 s span (t-6s, t], counted over the last 16 pages (so at most 16).'),
  f('max_pages_12s', 'pages', 'timing', 'Most page requests within any 12 s span (t-12s, t], counted over the last 16 pages (so at most 16).'),
  f('night_share', 'share', 'timing', "Requests at 00:00-05:59 in the customer's time zone, / request_count."),

  f('ua_missing', 'flag', 'user_agent', '1 if the first request had no user agent (absent, empty or "-").'),
  f('ua_declared_bot', 'flag', 'user_agent', '1 if the user agent declares a crawler or bot (isbot).'),
  f('ua_headless', 'flag', 'user_agent', '1 if the user agent names a headless or automated browser (HeadlessChrome, PhantomJS, puppeteer, playwright, selenium, webdriver, ...).'),
  f('ua_script_client', 'flag', 'user_agent', '1 if the user agent is an HTTP library or CLI tool (python-requests, curl, wget, Go-http-client, okhttp, axios, Java, ...).'),
  f('ua_family_chrome', 'flag', 'user_agent', '1 if the browser is Chrome or Chromium (desktop, mobile, WebView, headless).'),
  f('ua_family_firefox', 'flag', 'user_agent', '1 if the browser is Firefox (desktop or mobile).'),
  f('ua_family_safari', 'flag', 'user_agent', '1 if the browser is Safari (desktop or mobile).'),
  f('ua_family_edge', 'flag', 'user_agent', '1 if the browser is Microsoft Edge.'),
  f('ua_family_opera', 'flag', 'user_agent', '1 if the browser is Opera.'),
  f('ua_family_samsung', 'flag', 'user_agent', '1 if the browser is Samsung Internet.'),
  f('ua_family_ie', 'flag', 'user_agent', '1 if the browser is Internet Explorer.'),
  f('ua_family_other', 'flag', 'user_agent', '1 if a browser was recognised but is none of the families above.'),
  f('ua_family_none', 'flag', 'user_agent', '1 if no browser was recognised in the user agent.'),
  f('ua_versions_behind', 'versions', 'user_agent', `Major versions the browser is behind the current release at the session start (release table as of ${BROWSER_RELEASES_AS_OF}, extrapolated by cadence); 0 if unknown.`),
  f('ua_version_known', 'flag', 'user_agent', '1 if ua_versions_behind could be computed (Chrome, Edge, Firefox or Safari with a major version).'),
  f('ua_changes', 'count', 'user_agent', 'Requests whose user agent differs from the previous request of the session.'),

  // What the log format records. A field it does not record is unknown, not absent: the features
  // read from it are 0 and the flag below is 0, so a model tells "not logged" from "not sent".
  f('referrer_logged', 'flag', 'referrer', '1 if the log format of some request of the session records the referrer; when 0, every referrer feature is 0.'),
  f('bytes_logged', 'flag', 'volume', '1 if the log format of some request of the session records the response bytes; when 0, total_bytes and mean_bytes are 0.'),
  f('ua_logged', 'flag', 'user_agent', '1 if the log format of some request of the session records the user agent; when 0, every ua_ feature is 0.'),
] as const;

export type FeatureName = (typeof FEATURES)[number]['name'];

/** Names in registry order: the order of every feature vector this library writes. */
export const FEATURE_NAMES: readonly FeatureName[] = FEATURES.map((feature) => feature.name);

const byName = new Map<string, FeatureDefinition>(FEATURES.map((feature) => [feature.name, feature]));

export function featureDefinition(name: string): FeatureDefinition | undefined {
  return byName.get(name);
}

export function isFeatureName(name: string): name is FeatureName {
  return byName.has(name);
}

/**
 * Relative features compare a session with its customer's window baseline (see relative.ts).
 * Their definitions live here so that the fingerprint covers them too: a model that reads them
 * must be retrained when they change.
 */
export const RELATIVE_FEATURE_PREFIX = { z: 'z_', robust: 'rz_' } as const;
export const RELATIVE_DEFINITION =
  'z_<f> = clip((x - mean) / max(std, 1e-6), -50, 50); rz_<f> = clip((x - median) / max(s, 1e-6, 0.02*|median|), -50, 50) ' +
  'where s = 1.4826*MAD, or IQR/1.349 when that is 0, or std when that is 0 too; both 0 without a baseline.';

export function relativeFeatureNames(): string[] {
  return FEATURE_NAMES.flatMap((name) => [RELATIVE_FEATURE_PREFIX.z + name, RELATIVE_FEATURE_PREFIX.robust + name]);
}

/**
 * `fs1-` + 16 hex digits of SHA-256 over the version, every (name, definition, unit) in order,
 * the browser release table and the relative-feature definition. Stable across processes and
 * machines: it depends on nothing but this source text.
 */
export const featureSetFingerprint: string = (() => {
  const payload = JSON.stringify({
    version: FEATURE_SET_VERSION,
    features: FEATURES.map((feature) => [feature.name, feature.definition, feature.unit]),
    browserReleases: browserReleaseTableText(),
    relative: RELATIVE_DEFINITION,
  });
  return `fs${FEATURE_SET_VERSION}-${digestHex([payload], 16)}`;
})();

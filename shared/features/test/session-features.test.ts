/**
 * Every session feature against a value computed by hand. Session A below exercises most of them
 * at once; the smaller sessions after it cover edge cases and the UA features. Expected values
 * are written as the arithmetic done by hand, not as calls into the code under test.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { entropyBucketOf } from '../src/accumulator.js';
import { FEATURE_NAMES } from '../src/registry.js';
import { at, assertClose, CHROME_130, featuresOf, T0 } from './helpers.js';

const site = 'https://www.shop.com';

// Session A, 2025-06-02 03:00:00 UTC onwards (T0), Chrome 130 on Windows.
//  #  t(s)  method path              status bytes referrer              kind      depth
//  1  0     GET    /                 200    5000  google (search)       page      0
//  2  0.5   GET    /static/app.css   200    1000  site (internal)       css       2
//  3  0.6   GET    /static/app.js    200    2000  site                  js        2
//  4  1.0   GET    /img/logo.png     200     300  site                  image     2
//  5  4.0   GET    /products         200    4000  site                  page      1
//  6  5.0   GET    /products/42      200    4500  site                  page      2
//  7  9.0   POST   /login            302       0  site                  page      1
//  8  9.5   GET    /account.php      200    3000  news.example.org (ext) page     1
//  9  20    GET    /docs/terms.pdf   404     100  none (null)           document  2
// 10  21    HEAD   /robots.txt       500       0  none ("-")            other     1
const sessionA = [
  at(0, { path: '/', bytes: 5000, referrer: 'https://www.google.com/' }),
  at(0.5, { path: '/static/app.css', bytes: 1000, referrer: `${site}/` }),
  at(0.6, { path: '/static/app.js', bytes: 2000, referrer: `${site}/` }),
  at(1.0, { path: '/img/logo.png', bytes: 300, referrer: `${site}/` }),
  at(4.0, { path: '/products', bytes: 4000, referrer: `${site}/` }),
  at(5.0, { path: '/products/42', bytes: 4500, referrer: `${site}/products` }),
  at(9.0, { method: 'POST', path: '/login', status: 302, bytes: 0, referrer: `${site}/products/42` }),
  at(9.5, { path: '/account.php', bytes: 3000, referrer: 'https://news.example.org/story' }),
  at(20, { path: '/docs/terms.pdf', status: 404, bytes: 100, referrer: null }),
  at(21, { method: 'HEAD', path: '/robots.txt', status: 500, bytes: 0, referrer: '-' }),
];

test('session A: volume, methods, statuses, resources and referrers', () => {
  const f = featuresOf(sessionA);
  const expected: Record<string, number> = {
    request_count: 10,
    page_count: 5, // #1 #5 #6 #7 #8
    total_bytes: 19_900, // 5000+1000+2000+300+4000+4500+0+3000+100+0
    mean_bytes: 1990,
    get_count: 8,
    post_count: 1,
    head_count: 1,
    other_method_count: 0,
    share_get: 0.8,
    share_post: 0.1,
    share_head: 0.1,
    share_other_method: 0,
    share_login_post: 0.1, // POST /login
    share_2xx: 0.7,
    share_3xx: 0.1,
    share_4xx: 0.1,
    share_5xx: 0.1,
    share_page: 0.5,
    share_image: 0.1,
    share_css: 0.1,
    share_js: 0.1,
    share_document: 0.1,
    html_to_image_ratio: 5, // 5 pages / 1 image
    robots_txt: 1,
    share_no_referrer: 0.2, // #9 null, #10 "-"
    share_referrer_search: 0.1, // #1
    share_referrer_external: 0.1, // #8
  };
  for (const [name, value] of Object.entries(expected)) assertClose(f[name], value, 1e-12, name);
});

test('session A: navigation', () => {
  const f = featuresOf(sessionA);
  // Depths 0,2,2,2,1,2,1,1,2,1: mean 14/10; squared deviations 1.96 + 5·0.36 + 4·0.16 = 4.4.
  assertClose(f.url_depth_mean, 1.4, 1e-12, 'url_depth_mean');
  assertClose(f.url_depth_std, Math.sqrt(4.4 / 10), 1e-12, 'url_depth_std');
  // Views: [#1 #2 #3 #4] [#5] [#6] [#7] [#8 #9 #10] → largest 4, 10 requests / 5 views.
  assert.equal(f.max_requests_per_page, 4);
  assert.equal(f.mean_requests_per_page, 2);
  // Sequential: #3 (same dir /static/), #6 (/products → /products/42), #8 (/login → /account.php, both in /).
  assert.equal(f.longest_sequential_run, 1);
  assertClose(f.share_sequential, 3 / 9, 1e-12, 'share_sequential');
  // Ten distinct paths in ten distinct buckets: log2(10).
  assert.equal(new Set(sessionA.map((e) => entropyBucketOf(e.path))).size, 10);
  assertClose(f.path_entropy, Math.log2(10), 1e-12, 'path_entropy');
  assert.equal(f.unique_path_ratio, 1);
});

test('session A: timing', () => {
  const f = featuresOf(sessionA);
  assert.equal(f.session_duration_s, 21);
  assertClose(f.browsing_speed, 5 / 21, 1e-12, 'browsing_speed');
  // Gaps 0.5 0.1 0.4 3 1 4 0.5 10.5 1: sum 21, sum of squares 137.92, so Σ(g − 7/3)² = 137.92 − 9·(7/3)² = 88.92.
  assertClose(f.inter_arrival_mean_s, 21 / 9, 1e-12, 'inter_arrival_mean_s');
  assertClose(f.inter_arrival_std_s, Math.sqrt(88.92 / 9), 1e-9, 'inter_arrival_std_s');
  assertClose(f.inter_arrival_cv, Math.sqrt(88.92 / 9) / (21 / 9), 1e-9, 'inter_arrival_cv');
  // Pages at 0, 4, 5, 9, 9.5 s. 3 s: (6.5, 9.5] holds 9 and 9.5. 6 s: (3.5, 9.5] holds 4 of them. 12 s: all 5.
  assert.equal(f.max_pages_3s, 2);
  assert.equal(f.max_pages_6s, 4);
  assert.equal(f.max_pages_12s, 5);
  // 03:00 UTC is night in UTC, morning at +05:00, 23:00 the evening before in New York (EDT).
  assert.equal(f.night_share, 1);
  assert.equal(featuresOf(sessionA, { timeZone: '+05:00' }).night_share, 0);
  assert.equal(featuresOf(sessionA, { timeZone: 'America/New_York' }).night_share, 0);
});

test('session A: user agent', () => {
  const f = featuresOf(sessionA);
  // Chrome 134 shipped 2025-03-04; 90 days later at ~30.44 days a release the current major is 136.
  const expected: Record<string, number> = {
    ua_missing: 0,
    ua_declared_bot: 0,
    ua_headless: 0,
    ua_script_client: 0,
    ua_family_chrome: 1,
    ua_family_firefox: 0,
    ua_family_safari: 0,
    ua_family_edge: 0,
    ua_family_opera: 0,
    ua_family_samsung: 0,
    ua_family_ie: 0,
    ua_family_other: 0,
    ua_family_none: 0,
    ua_versions_behind: 6,
    ua_version_known: 1,
    ua_changes: 0,
  };
  for (const [name, value] of Object.entries(expected)) assert.equal(f[name], value, name);
});

test('records carry exactly the registry features, in registry order', () => {
  assert.deepEqual(Object.keys(featuresOf(sessionA)), [...FEATURE_NAMES]);
});

test('a single request: no gaps, no transitions, duration 0', () => {
  const f = featuresOf([at(0, { path: '/index.html' })]);
  assert.equal(f.request_count, 1);
  assert.equal(f.session_duration_s, 0);
  assert.equal(f.browsing_speed, 1); // 1 page / max(0 s, 1 s)
  assert.equal(f.inter_arrival_mean_s, 0);
  assert.equal(f.inter_arrival_std_s, 0);
  assert.equal(f.inter_arrival_cv, 0);
  assert.equal(f.share_sequential, 0);
  assert.equal(f.longest_sequential_run, 0);
  assert.equal(f.path_entropy, 0);
  assert.equal(f.unique_path_ratio, 1);
  assert.equal(f.html_to_image_ratio, 1); // 1 page, no images: 1 / max(0, 1)
  assert.equal(f.url_depth_std, 0);
  assert.equal(f.max_pages_3s, 1);
  assert.equal(f.max_requests_per_page, 1);
});

test('repeated paths: entropy and unique ratio', () => {
  // /a three times, /b once: H = −(¾·log2 ¾ + ¼·log2 ¼) = 2 − ¾·log2 3.
  const events = [at(0, { path: '/a' }), at(1, { path: '/b' }), at(2, { path: '/a' }), at(3, { path: '/a' })];
  assert.notEqual(entropyBucketOf('/a'), entropyBucketOf('/b'));
  const f = featuresOf(events);
  assertClose(f.path_entropy, 2 - 0.75 * Math.log2(3), 1e-12, 'path_entropy');
  assert.equal(f.unique_path_ratio, 0.5);
  // Same directory every time: three sequential requests in one run.
  assert.equal(f.longest_sequential_run, 3);
  assert.equal(f.share_sequential, 1);
});

test('path entropy counts paths that share a bucket as one (the documented approximation)', () => {
  const first = '/p0';
  let other = '';
  for (let i = 1; other === ''; i++) if (entropyBucketOf(`/p${i}`) === entropyBucketOf(first)) other = `/p${i}`;
  const f = featuresOf([at(0, { path: first }), at(1, { path: other })]);
  assert.equal(f.path_entropy, 0);
  assert.equal(f.unique_path_ratio, 1); // the distinct counter is a separate sketch
});

test('unique path ratio beyond 32 distinct paths is a KMV estimate', () => {
  const events = Array.from({ length: 400 }, (_, i) => at(i, { path: `/item/${i % 200}` }));
  const f = featuresOf(events);
  // 200 distinct of 400; KMV with k = 32 has a relative standard error near 1/√30 ≈ 18%.
  assert.ok(f.unique_path_ratio !== undefined && Math.abs(f.unique_path_ratio - 0.5) < 0.5 * 0.55, String(f.unique_path_ratio));
});

test('page peaks saturate at the ring size of 16', () => {
  const f = featuresOf(Array.from({ length: 20 }, (_, i) => at(i * 0.01, { path: `/p/${i}` })));
  assert.equal(f.max_pages_3s, 16);
  assert.equal(f.max_pages_12s, 16);
});

test('a span boundary: pages exactly 3 s apart are not in one 3 s span', () => {
  const f = featuresOf([at(0, { path: '/a' }), at(3, { path: '/b' }), at(5.999, { path: '/c' })]);
  assert.equal(f.max_pages_3s, 2); // (2.999, 5.999] holds /b and /c; (0, 3] holds only /b
  assert.equal(f.max_pages_6s, 3);
});

test('night share in an IANA zone with daylight saving', () => {
  // Paris in summer is UTC+2: 21:59:59Z is 23:59:59 (day), 22:00Z midnight (night), 03:59:59Z 05:59:59 (night), 04:00Z 06:00 (day).
  const day = Date.UTC(2025, 6, 1);
  const times = [day + 22 * 3_600_000 - 1000, day + 22 * 3_600_000, day + 28 * 3_600_000 - 1000, day + 28 * 3_600_000];
  const events = times.map((eventTime, i) => at(0, { eventTime, path: `/n${i}` }));
  assert.equal(featuresOf(events, { timeZone: 'Europe/Paris', gapMs: 24 * 3_600_000, maxDurationMs: 24 * 3_600_000 }).night_share, 0.5);
  // In winter Paris is UTC+1: the same instants in January are 22:59:59, 23:00, 04:59:59, 05:00 → 2 at night.
  const winter = Date.UTC(2025, 0, 15);
  const winterEvents = times.map((t, i) => at(0, { eventTime: t - day + winter, path: `/n${i}` }));
  assert.equal(featuresOf(winterEvents, { timeZone: 'Europe/Paris', gapMs: 24 * 3_600_000, maxDurationMs: 24 * 3_600_000 }).night_share, 0.5);
  assert.equal(featuresOf(winterEvents, { timeZone: 'UTC', gapMs: 24 * 3_600_000, maxDurationMs: 24 * 3_600_000 }).night_share, 0.5);
});

test('a per-customer time zone overrides the default', () => {
  const f = featuresOf(sessionA, { timeZone: 'UTC', customers: { shop: { timeZone: 'Asia/Kolkata' } } });
  assert.equal(f.night_share, 0); // 08:30 in India
});

test('referrers: request Host and configured site hosts make a referrer internal', () => {
  const withHost = featuresOf([at(0, { host: 'store.example.com', referrer: 'https://store.example.com/x' })]);
  assert.equal(withHost.share_referrer_external, 0);
  const configured = featuresOf([at(0, { referrer: 'http://Store.Example.com:8080/x' })], { siteHosts: ['store.example.com'] });
  assert.equal(configured.share_referrer_external, 0);
  const foreign = featuresOf([at(0, { host: 'store.example.com', referrer: 'https://other.example.net/' })]);
  assert.equal(foreign.share_referrer_external, 1);
  const search = featuresOf([at(0, { referrer: 'https://search.yahoo.co.jp/search?p=x' })]);
  assert.equal(search.share_referrer_search, 1);
});

test('user agents: missing, declared bot, headless, script, families and versions', () => {
  const ua = (userAgent: string | null, when = T0) => featuresOf([at(0, { userAgent, eventTime: when })]);
  const missing = ua(null);
  assert.equal(missing.ua_missing, 1);
  assert.equal(missing.ua_family_none, 1);
  assert.equal(missing.ua_version_known, 0);
  assert.equal(missing.ua_versions_behind, 0);
  assert.equal(ua('-').ua_missing, 1);

  const googlebot = ua('Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)');
  assert.equal(googlebot.ua_declared_bot, 1);
  assert.equal(googlebot.ua_family_none, 1);

  const headless = ua('Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0.0.0 Safari/537.36');
  assert.equal(headless.ua_headless, 1);
  assert.equal(headless.ua_family_chrome, 1);
  assert.equal(headless.ua_versions_behind, 16); // 136 − 120

  for (const script of ['python-requests/2.32.3', 'curl/8.7.1', 'Go-http-client/1.1', 'Wget/1.21.4']) {
    assert.equal(ua(script).ua_script_client, 1, script);
  }
  assert.equal(ua(CHROME_130).ua_script_client, 0);

  // Firefox 120 on 2025-03-04 (its 136 release day): 16 behind.
  const firefox = ua('Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:120.0) Gecko/20100101 Firefox/120.0', Date.UTC(2025, 2, 4));
  assert.equal(firefox.ua_family_firefox, 1);
  assert.equal(firefox.ua_versions_behind, 16);
  // Safari 17.4 on 2025-10-01 (Safari 26 shipped 2025-09-15): 9 behind; on 2025-09-01 (still 18): 1.
  const safari17 = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15';
  assert.equal(ua(safari17, Date.UTC(2025, 9, 1)).ua_versions_behind, 9);
  assert.equal(ua(safari17, Date.UTC(2025, 8, 1)).ua_versions_behind, 1);
  assert.equal(ua(safari17).ua_family_safari, 1);
  const edge = ua(`${CHROME_130} Edg/130.0.0.0`);
  assert.equal(edge.ua_family_edge, 1);
  assert.equal(edge.ua_family_chrome, 0);
  const opera = ua(`${CHROME_130} OPR/115.0.0.0`);
  assert.equal(opera.ua_family_opera, 1);
  assert.equal(opera.ua_version_known, 0);
  assert.equal(ua('Mozilla/5.0 (Windows NT 6.1; Trident/7.0; rv:11.0) like Gecko').ua_family_ie, 1);
  assert.equal(
    ua('Mozilla/5.0 (Linux; Android 14; SAMSUNG SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/27.0 Chrome/125.0.0.0 Mobile Safari/537.36')
      .ua_family_samsung,
    1,
  );
});

test('exactly one browser-family flag is set', () => {
  for (const userAgent of [CHROME_130, null, 'curl/8.7.1', 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0']) {
    const f = featuresOf([at(0, { userAgent })]);
    const flags = FEATURE_NAMES.filter((name) => name.startsWith('ua_family_')).map((name) => f[name]);
    assert.equal(flags.reduce((a = 0, b = 0) => a + b, 0), 1, String(userAgent));
  }
});

test('ua_changes counts switches within a cookie-keyed session', () => {
  const other = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';
  const events = [CHROME_130, CHROME_130, other, CHROME_130].map((userAgent, i) =>
    at(i, { userAgent, extra: { cookie_sid: 'c1' }, path: `/x${i}` }),
  );
  const f = featuresOf(events, { sessionKey: 'field:cookie_sid' });
  assert.equal(f.request_count, 4);
  assert.equal(f.ua_changes, 2);
  assert.equal(f.ua_family_chrome, 1); // the session's UA is its first
});

test('methods other than GET/POST/HEAD, status classes and login POSTs', () => {
  const f = featuresOf([
    at(0, { method: 'PUT', path: '/api/x', status: 201 }),
    at(1, { method: 'POST', path: '/api/Auth/token', status: 401 }),
    at(2, { method: 'POST', path: '/cart', status: 503 }),
    at(3, { method: 'OPTIONS', path: '/api/x', status: 204 }),
  ]);
  assert.equal(f.other_method_count, 2);
  assert.equal(f.share_other_method, 0.5);
  assert.equal(f.share_login_post, 0.25);
  assert.equal(f.share_2xx, 0.5);
  assert.equal(f.share_4xx, 0.25);
  assert.equal(f.share_5xx, 0.25);
});

test('paths: query strings are ignored, trailing slashes are pages, unknown extensions are other', () => {
  const f = featuresOf([
    at(0, { path: '/search?q=a.png' }),
    at(1, { path: '/blog/' }),
    at(2, { path: '/feed.xml' }),
    at(3, { path: '/Photo.JPG' }),
  ]);
  assert.equal(f.page_count, 2);
  assert.equal(f.share_image, 0.25);
  assert.equal(f.max_requests_per_page, 3); // /blog/ + /feed.xml + /Photo.JPG
});

test('a field the log format does not record is unknown, not absent: its features are 0 and its _logged flag says so', () => {
  const logged = featuresOf(sessionA);
  assert.equal(logged.referrer_logged, 1);
  assert.equal(logged.bytes_logged, 1);
  assert.equal(logged.ua_logged, 1);
  assert.equal(logged.ua_family_chrome, 1);

  // The same requests from a log whose format has no referrer, no byte count and no user agent:
  // the parser sets what the event would otherwise carry for them (null, 0, null) and says so.
  const bare = sessionA.map((e) => ({ ...e, referrer: null, bytes: 0, userAgent: null, unlogged: ['referrer', 'bytes', 'userAgent'] as const }));
  const f = featuresOf(bare);
  const zero = [
    'total_bytes', 'mean_bytes', 'share_no_referrer', 'share_referrer_search', 'share_referrer_external',
    ...FEATURE_NAMES.filter((n) => n.startsWith('ua_')),
    'referrer_logged', 'bytes_logged',
  ];
  for (const name of zero) assert.equal(f[name], 0, name);
  // What does not depend on those fields is unchanged.
  for (const name of FEATURE_NAMES.filter((n) => !zero.includes(n))) assert.equal(f[name], logged[name], name);

  // Read as logged, the same nulls would be absences: every request without a referrer, no browser.
  const absent = featuresOf(sessionA.map((e) => ({ ...e, referrer: null, bytes: 0, userAgent: null })));
  assert.equal(absent.share_no_referrer, 1);
  assert.equal(absent.ua_missing, 1);
  assert.equal(absent.ua_family_none, 1);
  assert.equal(absent.referrer_logged, 1);

  // One request of the session from a format that logs the field is enough for it to count as logged.
  const mixed = featuresOf(bare.map((e, i) => (i === 0 ? { ...e, unlogged: [] } : e)));
  assert.equal(mixed.referrer_logged, 1);
  assert.equal(mixed.share_no_referrer, 1, 'then the unlogged requests count as sent without a referrer');
});

/**
 * What a browser requests when it opens a page: the HTML, then within a second its stylesheets,
 * scripts, fonts, images and (once) the favicon, each with the page as referrer, skipping what
 * its cache already holds. Shared by people and by headless browsers, which differ in `BrowserProfile`.
 */
import { siteUrl, type Asset, type Page, type Site } from './catalogue.js';
import type { Rng } from './random.js';
import type { SessionBuilder } from './session.js';

export interface BrowserProfile {
  /** Paths this browser has cached so far in the session. */
  readonly cache: Set<string>;
  /** Share of cached assets it still revalidates (a conditional GET answered 304). */
  revalidate: number;
  /** Share of the site-wide assets already cached from an earlier visit when the session starts. */
  warmCache: number;
  /** Whether it asks for /favicon.ico (headless Chrome does not). */
  favicon: boolean;
  /** Delay after the HTML before stylesheets and scripts are requested, ms. */
  firstWave: readonly [number, number];
  /** Delay after the HTML before images are requested, ms (all under a second). */
  images: readonly [number, number];
}

export function humanBrowser(rng: Rng): BrowserProfile {
  return {
    cache: new Set(),
    revalidate: rng.range(0.02, 0.15),
    // A third of visitors have been here before and kept the site's CSS and JS.
    warmCache: rng.chance(0.35) ? rng.range(0.5, 1) : 0,
    favicon: true,
    firstWave: [25, 380],
    images: [90, 980],
  };
}

/** HTML sizes vary a little per request: tokens, timestamps, personalised bits. */
function dynamicBytes(bytes: number, rng: Rng): number {
  return Math.round(bytes * rng.range(0.985, 1.015));
}

/**
 * Requests `page` at `at` and its assets just after. `status` other than 200 (e.g. a 404 page)
 * still loads the site's shared assets, as error pages use the site's layout.
 */
export function loadPage(
  b: SessionBuilder,
  site: Site,
  page: Page,
  at: number,
  referrer: string | null,
  profile: BrowserProfile,
  rng: Rng,
  status = 200,
): void {
  const firstPage = b.size === 0;
  b.add(at, 'GET', page.path, status, status === 200 ? dynamicBytes(page.bytes, rng) : page.bytes, referrer);
  // Behind a CDN the assets are served (and logged) elsewhere.
  if (!site.layout.assetsLogged) return;
  const pageUrl = siteUrl(site, page.path);

  const fetch = (asset: Asset, time: number, from: string, shared: boolean): void => {
    if (profile.cache.has(asset.path)) {
      if (rng.chance(profile.revalidate)) b.add(time, 'GET', asset.path, 304, 0, from);
      return;
    }
    profile.cache.add(asset.path);
    if (firstPage && shared && rng.chance(profile.warmCache)) {
      // Cached on an earlier visit: either still fresh (no request) or revalidated.
      if (rng.chance(0.4)) b.add(time, 'GET', asset.path, 304, 0, from);
      return;
    }
    b.add(time, 'GET', asset.path, 200, asset.bytes, from);
  };

  const [w0, w1] = profile.firstWave;
  for (const style of site.styles) fetch(style, at + rng.range(w0, w1), pageUrl, true);
  for (const font of site.fonts) {
    // Fonts are discovered in the stylesheet, so they come after it, with it as referrer.
    fetch(font, at + w1 + rng.range(10, 200), font.via === undefined ? pageUrl : siteUrl(site, font.via), true);
  }
  for (const script of site.scripts) fetch(script, at + rng.range(w0, w1), pageUrl, true);
  const [i0, i1] = profile.images;
  fetch(site.logo, at + rng.range(i0, i1), pageUrl, true);
  for (const image of page.images) fetch(image, at + rng.range(i0, i1), pageUrl, false);
  if (profile.favicon) fetch(site.favicon, at + rng.range(i0, i1), pageUrl, true);
}

/** The page a missing path shows (404): the site's layout, no images of its own. */
export function missingPage(site: Site, path: string): Page {
  return { kind: 'missing', path, bytes: site.notFoundBytes, images: [] };
}

/**
 * A single-page app's navigation: the page's data as JSON by XHR (the app shell and its assets
 * are already loaded), a few more API calls around it, and the new page's images when the site
 * logs assets. Referrer: the page the app shows.
 */
export function spaView(b: SessionBuilder, site: Site, page: Page, at: number, referrer: string | null, profile: BrowserProfile, rng: Rng): void {
  const path = page.path.includes('?') ? page.path.slice(0, page.path.indexOf('?')) : page.path;
  const query = page.path.includes('?') ? page.path.slice(page.path.indexOf('?')) : '';
  b.add(at, 'GET', `/api${path === '/' ? '/home' : path}${query}`, 200, Math.max(300, Math.round(page.bytes / rng.range(3, 8))), referrer);
  const calls = rng.int(0, 3);
  for (let k = 0; k < calls; k++) {
    const call = rng.pick(['/api/recommendations?context=' + page.kind, '/api/cart', '/api/session', '/api/events', '/api/reviews?limit=' + rng.int(3, 20)]);
    b.add(at + rng.range(40, 1500), call === '/api/events' ? 'POST' : 'GET', call, call === '/api/events' ? 204 : 200, rng.int(0, 6000), referrer);
  }
  if (!site.layout.assetsLogged) return;
  for (const image of page.images) {
    if (profile.cache.has(image.path)) continue;
    profile.cache.add(image.path);
    b.add(at + rng.range(90, 980), 'GET', image.path, 200, image.bytes, referrer);
  }
}

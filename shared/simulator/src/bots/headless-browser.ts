/**
 * Automated real browsers (Puppeteer, Playwright): they load every page with its assets and
 * send proper referrers, like a person, but on a scripted clock — pauses of nearly equal length,
 * assets all at once, a fresh profile (no warm cache, no revalidation) and no favicon request.
 */
import type { BrowserProfile } from '../browsing.js';
import { loadPage } from '../browsing.js';
import { siteUrl, type Page } from '../catalogue.js';
import { SessionBuilder, type SessionContext, type SessionPlan } from '../session.js';
import { browserIdentity, headlessChromeUserAgent } from '../user-agents.js';

export function generateHeadlessBrowser(ctx: SessionContext): SessionPlan {
  const { rng, site } = ctx;
  // Half leave the HeadlessChrome token in; the rest override it with a desktop Chrome UA.
  let userAgent = headlessChromeUserAgent(rng, ctx.era);
  if (rng.chance(0.5)) {
    let identity = browserIdentity(rng, ctx.era, { desktopOnly: true });
    for (let tries = 0; identity.browser !== 'chrome' && tries < 20; tries++) identity = browserIdentity(rng, ctx.era, { desktopOnly: true });
    userAgent = identity.userAgent;
  }
  const clientIp = ctx.ips.allocate(rng.chance(0.85) ? 'datacenter' : 'residential', rng);
  const b = new SessionBuilder(ctx, rng.chance(0.5) ? 'HTTP/2.0' : 'HTTP/1.1');
  const profile: BrowserProfile = {
    cache: new Set(),
    revalidate: 0,
    warmCache: 0,
    favicon: false,
    firstWave: [5, 60],
    images: [20, 220],
  };

  // Walk categories and their products through the UI, as a script with a task list does.
  const route: Page[] = [site.home];
  for (const category of rng.shuffled(site.categories)) {
    route.push(category.page, ...category.products.slice(0, rng.int(2, 10)));
  }
  const wanted = Math.min(route.length, rng.int(6, 50));
  const pause = rng.range(1_500, 8_000);
  let t = ctx.start;
  let referrer: string | null = null;
  for (let i = 0; i < wanted && !b.done(t); i++) {
    const page = route[i];
    if (!page) break;
    loadPage(b, site, page, t, referrer, profile, rng);
    referrer = siteUrl(site, page.path);
    t += pause * (1 + 0.05 * rng.normal()); // waitForTimeout(n), plus a little load-time noise
  }
  return b.finish('headless_browser', clientIp, userAgent);
}

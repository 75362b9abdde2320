/**
 * Declared search-engine crawlers (Googlebot, bingbot...) from their operators' published
 * ranges: robots.txt first, then a broad walk through the site in link order at a steady pace,
 * HTML only, no referrer, the odd 304 for pages they saw before and 404 for links that died.
 */
import { SessionBuilder, type SessionContext, type SessionPlan } from '../session.js';
import { crawlerIdentity } from '../user-agents.js';

export function generateSearchCrawler(ctx: SessionContext): SessionPlan {
  const { rng, site } = ctx;
  const crawler = crawlerIdentity(rng, ctx.era);
  const clientIp = ctx.ips.allocate(crawler.pool, rng);
  const b = new SessionBuilder(ctx, rng.chance(0.85) ? 'HTTP/1.1' : 'HTTP/2.0');

  let t = ctx.start;
  b.add(t, 'GET', site.robots.path, 200, site.robots.bytes, null);
  // Crawl-rate control keeps a crawler's pace even: one fetch every few seconds, little jitter.
  const interval = rng.range(2_000, 12_000);
  const next = (): number => interval * rng.range(0.85, 1.15);
  if (rng.chance(0.4)) {
    t += next();
    b.add(t, 'GET', site.sitemap.path, 200, site.sitemap.bytes, null);
  }

  const pages = site.crawlOrder;
  const wanted = rng.int(30, 400);
  let position = rng.int(0, pages.length - 1);
  for (let fetched = 0; fetched < wanted; fetched++) {
    t += next();
    if (b.done(t)) break;
    if (rng.chance(0.02)) {
      b.add(t, 'GET', rng.pick(site.brokenLinks), 404, site.notFoundBytes, null);
      continue;
    }
    const page = pages[position % pages.length];
    position++;
    if (!page) break;
    // Conditional GETs for pages the crawler already has: unchanged ones answer 304.
    if (rng.chance(0.08)) b.add(t, 'GET', page.path, 304, 0, null);
    else b.add(t, 'GET', page.path, 200, page.bytes, null);
  }
  return b.finish('search_crawler', clientIp, crawler.userAgent);
}

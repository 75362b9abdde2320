/**
 * Content scrapers: a browser User-Agent on a script, from cloud machines or rented residential
 * proxies. Walks category listings with `?page=N` until the pages run out (one past the end,
 * which 404s), fetching product pages as it goes; HTML only, fast, rarely a referrer.
 */
import { siteUrl } from '../catalogue.js';
import { SessionBuilder, type SessionContext, type SessionPlan } from '../session.js';
import { browserIdentity } from '../user-agents.js';

export function generateScraper(ctx: SessionContext): SessionPlan {
  const { rng, site } = ctx;
  const userAgent = browserIdentity(rng, ctx.era, { desktopOnly: true }).userAgent;
  const clientIp = ctx.ips.allocate(rng.chance(0.6) ? 'datacenter' : 'residential', rng);
  const b = new SessionBuilder(ctx, 'HTTP/1.1');

  const interval = rng.range(300, 2_000);
  const next = (): number => rng.logNormal(interval, 0.35);
  const detailShare = rng.range(0.3, 1);
  const withReferrer = rng.chance(0.15);
  const wanted = rng.int(30, 400);
  let previous: string | null = null;
  let t = ctx.start;
  let categoryIndex = rng.int(0, site.categories.length - 1);

  const get = (path: string, status: number, bytes: number): void => {
    b.add(t, 'GET', path, status, bytes, withReferrer ? previous : null);
    previous = siteUrl(site, path);
    t += next();
  };

  while (b.size < wanted && !b.done(t)) {
    const category = site.categories[categoryIndex % site.categories.length];
    categoryIndex++;
    if (!category) break;
    let offset = 0;
    for (const listing of category.listings) {
      get(listing.path, 200, listing.bytes);
      // A listing shows one thumbnail per product, in the category's order.
      const shown = category.products.slice(offset, offset + listing.images.length);
      offset += listing.images.length;
      for (const product of shown) {
        if (b.size >= wanted || b.done(t)) break;
        if (rng.chance(detailShare)) get(product.path, 200, product.bytes);
      }
      if (b.size >= wanted || b.done(t)) break;
    }
    // Scripts rarely know where the pagination stops: one page too far.
    if (b.size < wanted) get(`${category.page.path}?page=${category.listings.length + 1}`, 404, site.notFoundBytes);
  }
  return b.finish('scraper', clientIp, userAgent);
}

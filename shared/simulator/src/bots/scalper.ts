/**
 * Scalpers (inventory hoarding): a few hot products hammered in a tight loop — product page,
 * stock endpoint, add to cart (409 while sold out), and on success straight to cart and checkout.
 * Sub-second gaps, HTML and API only, any hour of the day.
 */
import { siteUrl } from '../catalogue.js';
import { SessionBuilder, type SessionContext, type SessionPlan } from '../session.js';
import { browserIdentity, scriptUserAgent } from '../user-agents.js';

export function generateScalper(ctx: SessionContext): SessionPlan {
  const { rng, site } = ctx;
  const userAgent = rng.chance(0.7) ? browserIdentity(rng, ctx.era).userAgent : scriptUserAgent(rng);
  const clientIp = ctx.ips.allocate(rng.chance(0.6) ? 'residential' : 'datacenter', rng);
  const b = new SessionBuilder(ctx, rng.chance(0.7) ? 'HTTP/1.1' : 'HTTP/2.0');

  const targets = rng.shuffled(site.products).slice(0, rng.int(1, 3));
  const interval = rng.range(80, 600);
  const inStock = rng.range(0.05, 0.3);
  const wanted = rng.int(40, 400);
  let t = ctx.start;
  const request = (method: string, path: string, status: number, bytes: number, referrer: string | null): void => {
    b.add(t, method, path, status, bytes, referrer);
    t += rng.logNormal(interval, 0.3);
  };

  while (b.size < wanted && !b.done(t)) {
    for (const product of targets) {
      const productUrl = siteUrl(site, product.path);
      if (rng.chance(0.4)) request('GET', product.path, 200, product.bytes, null);
      request('GET', site.stockPath(product), 200, rng.int(80, 400), productUrl);
      if (rng.chance(inStock)) {
        request('POST', site.cartAddPath, 200, rng.int(220, 900), productUrl);
        request('GET', site.cart.path, 200, site.cart.bytes, productUrl);
        request('GET', site.checkout.path, 200, site.checkout.bytes, siteUrl(site, site.cart.path));
        // Payment fails or the hold expires as often as the order goes through.
        const status = rng.weighted<number>([[302, 0.4], [402, 0.3], [409, 0.3]]);
        request('POST', site.checkoutSubmitPath, status, rng.int(150, 700), siteUrl(site, site.checkout.path));
      } else {
        request('POST', site.cartAddPath, 409, rng.int(120, 300), productUrl);
      }
    }
  }
  return b.finish('scalper', clientIp, userAgent);
}

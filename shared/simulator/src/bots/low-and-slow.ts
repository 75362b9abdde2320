/**
 * Low-and-slow harvesting: a browser User-Agent fetching one page every 20–60 s, for hours,
 * to stay under rate limits. The tell is the clock: gaps barely vary (a scheduler, not a reader).
 */
import { SessionBuilder, type SessionContext, type SessionPlan } from '../session.js';
import { browserIdentity } from '../user-agents.js';

export function generateLowAndSlow(ctx: SessionContext): SessionPlan {
  const { rng, site } = ctx;
  const userAgent = browserIdentity(rng, ctx.era, { desktopOnly: true }).userAgent;
  const clientIp = ctx.ips.allocate(rng.chance(0.7) ? 'residential' : 'datacenter', rng);
  const b = new SessionBuilder(ctx, 'HTTP/1.1');

  const gap = rng.range(20_000, 60_000);
  const jitter = rng.range(0.01, 0.05); // relative spread of the gaps
  const spoofHome = rng.chance(0.1) ? site.origin + '/' : null;
  const pages = rng.chance(0.7) ? site.products : site.crawlOrder;
  const wanted = rng.int(80, 500);
  let position = rng.int(0, pages.length - 1);
  let t = ctx.start;
  for (let i = 0; i < wanted && !b.done(t); i++) {
    const page = pages[position % pages.length];
    position++;
    if (!page) break;
    b.add(t, 'GET', page.path, 200, page.bytes, spoofHome);
    t += gap * (1 + jitter * rng.normal());
  }
  return b.finish('low_and_slow', clientIp, userAgent);
}

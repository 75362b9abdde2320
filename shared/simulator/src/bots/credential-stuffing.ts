/**
 * Credential stuffing: leaked username/password pairs POSTed to the login form one after
 * another. Almost all fail (401), rate limits and the WAF answer 403 or 429, the odd one works.
 * Few other pages: perhaps the home page and the login form once to pick up a cookie.
 */
import { siteUrl } from '../catalogue.js';
import { SessionBuilder, type SessionContext, type SessionPlan } from '../session.js';
import { browserIdentity, scriptUserAgent } from '../user-agents.js';

export function generateCredentialStuffing(ctx: SessionContext): SessionPlan {
  const { rng, site } = ctx;
  const scripted = rng.chance(0.5);
  const userAgent = scripted ? scriptUserAgent(rng) : browserIdentity(rng, ctx.era).userAgent;
  const clientIp = ctx.ips.allocate(rng.chance(0.5) ? 'datacenter' : 'residential', rng);
  const b = new SessionBuilder(ctx, 'HTTP/1.1');
  const loginUrl = siteUrl(site, site.login.path);
  // Browser-looking tools copy the Referer a real form post would carry; bare scripts send none.
  const referrer = !scripted && rng.chance(0.7) ? loginUrl : null;

  let t = ctx.start;
  const interval = rng.range(800, 6_000);
  const next = (): number => interval * rng.range(0.8, 1.2);
  if (rng.chance(0.3)) {
    b.add(t, 'GET', '/', 200, site.home.bytes, null);
    t += next();
  }
  if (rng.chance(0.6)) {
    b.add(t, 'GET', site.login.path, 200, site.login.bytes, null);
    t += next();
  }

  const attempts = rng.int(15, 250);
  // Once the site starts blocking an address it mostly keeps blocking it.
  let blocked = false;
  for (let i = 0; i < attempts && !b.done(t); i++) {
    if (!blocked && i > 10 && rng.chance(0.012)) blocked = true;
    const status = blocked
      ? rng.weighted<number>([[403, 0.8], [429, 0.2]])
      : rng.weighted<number>([[401, 0.8], [200, 0.1], [429, 0.04], [403, 0.05], [302, 0.01]]);
    // 200 is the form re-rendered with "wrong password"; 302 is the rare pair that works.
    const bytes = status === 200 ? site.login.bytes : status === 302 ? rng.int(180, 320) : rng.int(90, 600);
    b.add(t, 'POST', site.login.path, status, bytes, referrer);
    if (status === 302 && !scripted) {
      b.add(t + rng.range(80, 300), 'GET', site.account.path, 200, site.account.bytes, loginUrl);
    }
    t += next();
  }
  return b.finish('credential_stuffing', clientIp, userAgent);
}

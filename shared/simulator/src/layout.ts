/**
 * How varied sites and their visitors are. Real sites differ in ways that change every
 * behavioural feature of their humans: a site behind a CDN never logs its assets, a single-page
 * app answers navigation with XHR calls instead of pages, a news site is read faster than a shop,
 * privacy settings strip referrers, and some people spend an hour clicking through hundreds of
 * pages with a warm cache (every asset revalidated: 304s). A model trained on one kind of site
 * calls the others' humans bots; `wide` simulations draw all of these.
 */
import type { Rng } from './random.js';

export interface SiteLayout {
  /** False: assets come from a CDN and never reach this log. */
  assetsLogged: boolean;
  /** True: after the first page, navigation is XHR to `/api/...` (a single-page app). */
  spa: boolean;
  /** Multiplies people's pauses between pages (a news site is read faster than a shop is browsed). */
  pace: number;
  /** True: people vary too (no referrers, long busy sessions), drawn per person. */
  variedPeople: boolean;
}

export const CLASSIC_LAYOUT: Readonly<SiteLayout> = Object.freeze({ assetsLogged: true, spa: false, pace: 1, variedPeople: false });

export function wideLayout(rng: Rng): SiteLayout {
  return {
    assetsLogged: !rng.chance(0.45),
    spa: rng.chance(0.35),
    pace: rng.logUniform(0.35, 1.6),
    variedPeople: true,
  };
}

/** What kind of person this is on a varied site: drawn from the session's own random stream. */
export interface PersonVariety {
  /** Sends no Referer at all (privacy extension, strict referrer policy). */
  noReferrer: boolean;
  /** A long, busy session: many pages at a quick pace, a warm cache revalidating most assets. */
  busy: boolean;
}

export function personVariety(layout: SiteLayout, rng: Rng): PersonVariety {
  if (!layout.variedPeople) return { noReferrer: false, busy: false };
  return { noReferrer: rng.chance(0.15), busy: rng.chance(0.12) };
}

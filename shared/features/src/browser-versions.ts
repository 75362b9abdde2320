/**
 * The current major version of the browsers we can date, at a given instant. Rapid-release
 * browsers ship on a steady cadence, so the table holds one known release per family and
 * extrapolates from it: replaying last year's logs then measures staleness against last year's
 * browsers, not today's. Beyond the table's date the figure is an estimate (a release or two off
 * after a year is possible); refresh the anchors when a browser changes its cadence.
 */

/** The date of the newest fact in the table below. */
export const BROWSER_RELEASES_AS_OF = '2025-09-15';

export type DatedFamily = 'chrome' | 'edge' | 'firefox' | 'safari';

interface RapidRelease {
  /** A major version and its stable release date (UTC). */
  major: number;
  released: string;
  /** Average days between majors, holiday gaps included. */
  cadenceDays: number;
}

const DAY_MS = 86_400_000;

const RAPID: Record<Exclude<DatedFamily, 'safari'>, RapidRelease> = {
  // Chrome ships about 12 majors a year (every four weeks, with longer gaps at year end).
  chrome: { major: 134, released: '2025-03-04', cadenceDays: 365.25 / 12 },
  // Edge follows Chromium's majors a few days after Chrome.
  edge: { major: 134, released: '2025-03-06', cadenceDays: 365.25 / 12 },
  // Firefox ships every four weeks: about 13 majors a year.
  firefox: { major: 136, released: '2025-03-04', cadenceDays: 365.25 / 13 },
};

/**
 * Safari ships one major each September: 17 in 2023, 18 in 2024, then Apple renumbered by year:
 * 26 in 2025 (released 2025-09-15), 27 in 2026, ...
 */
function safariMajorAt(time: number): number {
  const date = new Date(time);
  const year = date.getUTCFullYear();
  // Mid-September (the 15th) is when the new major reaches most users.
  const seasonStart = Date.UTC(year, 8, 15);
  const season = time >= seasonStart ? year : year - 1;
  return season >= 2025 ? season - 1999 : season - 2006;
}

const rapidStart = Object.fromEntries(
  Object.entries(RAPID).map(([family, release]) => [family, Date.parse(`${release.released}T00:00:00Z`)]),
) as Record<Exclude<DatedFamily, 'safari'>, number>;

/** The newest stable major of `family` at `time` (epoch ms). */
export function currentMajor(family: DatedFamily, time: number): number {
  if (family === 'safari') return safariMajorAt(time);
  const release = RAPID[family];
  return release.major + Math.floor((time - rapidStart[family]) / (release.cadenceDays * DAY_MS));
}

/** How many majors `major` is behind the current one at `time`; never negative (betas count as current). */
export function versionsBehind(family: DatedFamily, major: number, time: number): number {
  return Math.max(0, currentMajor(family, time) - major);
}

/** The table as text, for the feature-set fingerprint: a change here changes the feature. */
export function browserReleaseTableText(): string {
  return JSON.stringify({ asOf: BROWSER_RELEASES_AS_OF, rapid: RAPID, safari: 'Sep 15: 17@2023, 18@2024, 26@2025, +1/yr' });
}

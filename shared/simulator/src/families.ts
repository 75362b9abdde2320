/** The kinds of visitor the simulator labels. The names are a contract: labels.csv carries them. */

export const BOT_FAMILIES = [
  'search_crawler',
  'scraper',
  'credential_stuffing',
  'scalper',
  'low_and_slow',
  'headless_browser',
  'vuln_scanner',
] as const;

export type BotFamily = (typeof BOT_FAMILIES)[number];
export type Family = 'human' | BotFamily;
export type Label = 'human' | 'bot';

export function isBotFamily(name: string): name is BotFamily {
  return (BOT_FAMILIES as readonly string[]).includes(name);
}

export function labelOf(family: Family): Label {
  return family === 'human' ? 'human' : 'bot';
}

/**
 * Each family's share of bot *sessions* (normalised over the families selected). Crawlers and
 * scanners are the most common bots on a typical site; the families that look most like people
 * are rarer. Line shares differ: a scraper session is hundreds of requests, a human's a few dozen.
 */
export const FAMILY_WEIGHTS: Readonly<Record<BotFamily, number>> = {
  search_crawler: 0.18,
  scraper: 0.16,
  credential_stuffing: 0.13,
  scalper: 0.11,
  low_and_slow: 0.12,
  headless_browser: 0.13,
  vuln_scanner: 0.17,
};

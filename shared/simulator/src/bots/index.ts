/** The generator of each bot family, by the family's name. */
import type { BotFamily } from '../families.js';
import type { SessionGenerator } from '../session.js';
import { generateCredentialStuffing } from './credential-stuffing.js';
import { generateHeadlessBrowser } from './headless-browser.js';
import { generateLowAndSlow } from './low-and-slow.js';
import { generateScalper } from './scalper.js';
import { generateScraper } from './scraper.js';
import { generateSearchCrawler } from './search-crawler.js';
import { generateVulnScanner } from './vuln-scanner.js';

export const BOT_GENERATORS: Readonly<Record<BotFamily, SessionGenerator>> = {
  search_crawler: generateSearchCrawler,
  scraper: generateScraper,
  credential_stuffing: generateCredentialStuffing,
  scalper: generateScalper,
  low_and_slow: generateLowAndSlow,
  headless_browser: generateHeadlessBrowser,
  vuln_scanner: generateVulnScanner,
};

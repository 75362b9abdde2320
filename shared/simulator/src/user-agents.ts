/**
 * User-Agent strings. Browser versions follow the simulated date (each browser's release
 * cadence counted from a known release), so a run dated 2025 shows 2025 browsers.
 */
import type { IpPoolName } from './ip.js';
import type { Rng } from './random.js';
import { DAY } from './time.js';

/** The current major versions at some instant. */
export interface BrowserEra {
  chrome: number;
  firefox: number;
  safariMajor: number;
  safariMinor: number;
}

// Chrome 134 and Firefox 136 both shipped on 2025-03-04. Both nominally release every four
// weeks, but holiday gaps stretch the average to about 32 and 29.5 days.
const CHROME_134 = Date.UTC(2025, 2, 4);
const FIREFOX_136 = Date.UTC(2025, 2, 4);
// Safari's point releases after each September major: x.1 in late October, x.2 in December...
const SAFARI_MINOR_BY_MONTH_SINCE_SEPTEMBER = [0, 1, 1, 2, 3, 3, 3, 4, 5, 5, 6, 6];

export function browserEra(at: number): BrowserEra {
  const date = new Date(at);
  const year = date.getUTCFullYear();
  const month = date.getUTCMonth();
  const seasonYear = month >= 8 ? year : year - 1; // the September that began this Safari season
  // Safari 18 was the 2024 release; the 2025 release was renumbered 26 after the year.
  const safariMajor = seasonYear >= 2025 ? seasonYear + 1 - 2000 : seasonYear - 2006;
  return {
    chrome: 134 + Math.floor((at - CHROME_134) / (32 * DAY)),
    firefox: 136 + Math.floor((at - FIREFOX_136) / (29.5 * DAY)),
    safariMajor,
    safariMinor: SAFARI_MINOR_BY_MONTH_SINCE_SEPTEMBER[(month - 8 + 12) % 12] ?? 0,
  };
}

/** How far behind the current release a visitor's browser is: most auto-update promptly. */
function lag(rng: Rng): number {
  return rng.weighted<number>([
    [0, 0.62],
    [1, 0.24],
    [2, 0.08],
    [rng.int(3, 12), 0.06],
  ]);
}

/** Chrome's full version for the few UAs that still carry it (build numbers grow ~65 a release). */
function chromeFull(major: number, rng: Rng): string {
  return `${major}.0.${6998 + (major - 134) * 65 + rng.int(0, 40)}.${rng.int(20, 180)}`;
}

/** Safari `major.minor` some releases behind the current one, into the previous major if need be. */
function safariVersion(era: BrowserEra, behind: number): string {
  if (behind <= era.safariMinor) return `${era.safariMajor}.${era.safariMinor - behind}`;
  const previousMajor = era.safariMajor === 26 ? 18 : era.safariMajor - 1;
  return `${previousMajor}.${Math.max(0, 6 - (behind - era.safariMinor - 1))}`;
}

export type BrowserName = 'chrome' | 'firefox' | 'safari' | 'edge';

export interface BrowserIdentity {
  userAgent: string;
  browser: BrowserName;
  mobile: boolean;
}

type Platform = 'windows' | 'mac' | 'android' | 'ios';

/** Rough shares of browser × platform among people on an e-commerce site. */
const BROWSER_MIX: ReadonlyArray<readonly [readonly [BrowserName, Platform], number]> = [
  [['chrome', 'windows'], 0.27],
  [['chrome', 'android'], 0.22],
  [['safari', 'ios'], 0.19],
  [['chrome', 'mac'], 0.08],
  [['edge', 'windows'], 0.08],
  [['safari', 'mac'], 0.06],
  [['firefox', 'windows'], 0.04],
  [['chrome', 'ios'], 0.03],
  [['firefox', 'mac'], 0.01],
  [['firefox', 'android'], 0.01],
  [['edge', 'mac'], 0.01],
];

const WINDOWS = 'Windows NT 10.0; Win64; x64';
// Chrome and Safari froze the macOS version in the UA at 10_15_7 (Firefox at 10.15).
const MAC = 'Macintosh; Intel Mac OS X 10_15_7';

function uaFor(browser: BrowserName, platform: Platform, era: BrowserEra, rng: Rng): string {
  const chrome = era.chrome - lag(rng);
  const firefox = era.firefox - lag(rng);
  const safari = safariVersion(era, lag(rng));
  switch (browser) {
    case 'chrome':
      if (platform === 'android') {
        // Reduced UA: Chrome on Android reports "Android 10; K" whatever the phone.
        return `Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${chrome}.0.0.0 Mobile Safari/537.36`;
      }
      if (platform === 'ios') {
        return `Mozilla/5.0 (iPhone; CPU iPhone OS ${safari.replace('.', '_')} like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/${chromeFull(chrome, rng)} Mobile/15E148 Safari/604.1`;
      }
      return `Mozilla/5.0 (${platform === 'mac' ? MAC : WINDOWS}) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${chrome}.0.0.0 Safari/537.36`;
    case 'edge':
      return `Mozilla/5.0 (${platform === 'mac' ? MAC : WINDOWS}) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${chrome}.0.0.0 Safari/537.36 Edg/${chrome}.0.0.0`;
    case 'firefox':
      if (platform === 'android') {
        return `Mozilla/5.0 (Android ${rng.int(12, 15)}; Mobile; rv:${firefox}.0) Gecko/${firefox}.0 Firefox/${firefox}.0`;
      }
      return `Mozilla/5.0 (${platform === 'mac' ? 'Macintosh; Intel Mac OS X 10.15' : WINDOWS}; rv:${firefox}.0) Gecko/20100101 Firefox/${firefox}.0`;
    case 'safari':
      if (platform === 'ios') {
        const device = rng.chance(0.9) ? 'iPhone; CPU iPhone OS' : 'iPad; CPU OS';
        return `Mozilla/5.0 (${device} ${safari.replace('.', '_')} like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/${safari} Mobile/15E148 Safari/604.1`;
      }
      return `Mozilla/5.0 (${MAC}) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/${safari} Safari/605.1.15`;
  }
}

/** A person's browser. `desktopOnly` for bots that pretend to be a desktop browser. */
export function browserIdentity(rng: Rng, era: BrowserEra, options: { desktopOnly?: boolean } = {}): BrowserIdentity {
  const mix = options.desktopOnly
    ? BROWSER_MIX.filter(([[, platform]]) => platform === 'windows' || platform === 'mac')
    : BROWSER_MIX;
  const [browser, platform] = rng.weighted(mix);
  return { userAgent: uaFor(browser, platform, era, rng), browser, mobile: platform === 'android' || platform === 'ios' };
}

/** Chrome driven by Puppeteer or Playwright: new headless mode still says HeadlessChrome. */
export function headlessChromeUserAgent(rng: Rng, era: BrowserEra): string {
  const platform = rng.weighted<string>([
    ['X11; Linux x86_64', 0.7],
    [WINDOWS, 0.2],
    [MAC, 0.1],
  ]);
  return `Mozilla/5.0 (${platform}) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/${era.chrome - lag(rng)}.0.0.0 Safari/537.36`;
}

/** A declared search-engine crawler and the address pool its operator publishes. */
export interface CrawlerIdentity {
  name: string;
  userAgent: string;
  pool: IpPoolName;
}

export function crawlerIdentity(rng: Rng, era: BrowserEra): CrawlerIdentity {
  const chrome = chromeFull(era.chrome - rng.int(0, 1), rng);
  const which = rng.weighted<string>([
    ['googlebot', 0.45],
    ['googlebot-smartphone', 0.2],
    ['bingbot', 0.17],
    ['yandexbot', 0.05],
    ['applebot', 0.05],
    ['duckduckbot', 0.04],
    ['baiduspider', 0.04],
  ]);
  switch (which) {
    case 'googlebot-smartphone':
      return {
        name: 'Googlebot',
        userAgent: `Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${chrome} Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)`,
        pool: 'googlebot',
      };
    case 'bingbot':
      return {
        name: 'bingbot',
        userAgent: `Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm) Chrome/${chrome} Safari/537.36`,
        pool: 'bingbot',
      };
    case 'yandexbot':
      return { name: 'YandexBot', userAgent: 'Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)', pool: 'yandexbot' };
    case 'applebot':
      return {
        name: 'Applebot',
        userAgent:
          'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15 (Applebot/0.1; +http://www.apple.com/go/applebot)',
        pool: 'applebot',
      };
    case 'duckduckbot':
      return { name: 'DuckDuckBot', userAgent: 'DuckDuckBot/1.1; (+http://duckduckgo.com/duckduckbot.html)', pool: 'duckduckbot' };
    case 'baiduspider':
      return {
        name: 'Baiduspider',
        userAgent: 'Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)',
        pool: 'baiduspider',
      };
    default:
      return { name: 'Googlebot', userAgent: 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)', pool: 'googlebot' };
  }
}

/** HTTP libraries as scripts leave them: nobody bothered to set a User-Agent. */
export function scriptUserAgent(rng: Rng): string {
  return rng.pick([
    'python-requests/2.32.3',
    'python-requests/2.31.0',
    'python-httpx/0.27.2',
    'Python/3.12 aiohttp/3.10.10',
    'curl/8.7.1',
    'curl/7.81.0',
    'Go-http-client/1.1',
    'Go-http-client/2.0',
    'okhttp/4.12.0',
    'axios/1.7.7',
    'node-fetch/1.0 (+https://github.com/bitinn/node-fetch)',
    'Apache-HttpClient/4.5.14 (Java/17.0.12)',
    'Java/21.0.4',
  ]);
}

/**
 * Vulnerability scanners, or nothing at all (null, logged as `-`). Nikto varies its test number
 * per request; it is fixed per session here so that one scan stays one (IP, UA) session.
 */
export function scannerUserAgent(rng: Rng): string | null {
  return rng.weighted<string | null>([
    [null, 0.2],
    ['sqlmap/1.8.11#stable (https://sqlmap.org)', 0.1],
    [`Mozilla/5.00 (Nikto/2.5.0) (Evasions:None) (Test:${String(rng.int(1, 9999)).padStart(6, '0')})`, 0.12],
    ['Mozilla/5.0 zgrab/0.x', 0.16],
    ['Mozilla/5.0 (compatible; Nmap Scripting Engine; https://nmap.org/book/nse.html)', 0.08],
    ['WPScan v3.8.27 (https://wpscan.com/wordpress-security-scanner)', 0.08],
    ['Fuzz Faster U Fool v2.1.0-dev', 0.07],
    ['gobuster/3.6', 0.05],
    ['Mozilla/5.0 (l9scan/2.0.; +https://leakix.net)', 0.06],
    ['python-requests/2.32.3', 0.08],
  ]);
}

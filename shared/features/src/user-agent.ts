/**
 * What a user agent string says about its client: declared crawler, headless browser, script,
 * browser family and major version. Parsing costs tens of microseconds, so results are memoised
 * per distinct string (a session parses its UA once; sessions share the memo).
 */
import { isbot } from 'isbot';
import { UAParser } from 'ua-parser-js';
import { versionsBehind, type DatedFamily } from './browser-versions.js';
import { detach } from './strings.js';

export type BrowserFamily = 'chrome' | 'firefox' | 'safari' | 'edge' | 'opera' | 'samsung' | 'ie' | 'other' | 'none';

export const BROWSER_FAMILIES: readonly BrowserFamily[] = ['chrome', 'firefox', 'safari', 'edge', 'opera', 'samsung', 'ie', 'other', 'none'];

export interface UaSignals {
  readonly missing: boolean;
  readonly declaredBot: boolean;
  readonly headless: boolean;
  readonly scriptClient: boolean;
  readonly family: BrowserFamily;
  /** Browser major version, when the parser found one. */
  readonly major: number | null;
}

/** Automation frameworks and headless engines that leave their name in the UA. */
const HEADLESS = /headless|phantomjs|puppeteer|playwright|selenium|webdriver|slimerjs|nightmare|cypress|splash/i;

/** HTTP libraries and command-line tools: nothing a person browses with. */
const SCRIPT_CLIENT =
  /python-requests|python-urllib|python-httpx|aiohttp|httpx\/|\bcurl\/|\bwget\/|go-http-client|okhttp|axios\/|node-fetch|undici|apache-httpclient|\bjava\/|libwww-perl|lwp::|scrapy|httpie|postmanruntime|guzzlehttp|restsharp|faraday|\bdart\/|reqwest|deno\/|powershell|winhttp/i;

export function isMissingUserAgent(userAgent: string | null): boolean {
  return userAgent === null || userAgent === '' || userAgent === '-';
}

function familyOf(name: string | undefined): BrowserFamily {
  if (name === undefined) return 'none';
  switch (name) {
    case 'Chrome':
    case 'Mobile Chrome':
    case 'Chrome WebView':
    case 'Chrome Headless':
    case 'Chromium':
      return 'chrome';
    case 'Edge':
      return 'edge';
    case 'Firefox':
    case 'Mobile Firefox':
      return 'firefox';
    case 'Safari':
    case 'Mobile Safari':
      return 'safari';
    case 'Samsung Internet':
      return 'samsung';
    case 'IE':
    case 'IEMobile':
      return 'ie';
    default:
      return name.startsWith('Opera') ? 'opera' : 'other';
  }
}

function parse(userAgent: string | null): UaSignals {
  if (isMissingUserAgent(userAgent) || userAgent === null) {
    return { missing: true, declaredBot: false, headless: false, scriptClient: false, family: 'none', major: null };
  }
  const browser = new UAParser(userAgent).getBrowser();
  const major = browser.major === undefined ? Number.NaN : Number.parseInt(browser.major, 10);
  return {
    missing: false,
    declaredBot: isbot(userAgent),
    headless: HEADLESS.test(userAgent),
    scriptClient: SCRIPT_CLIENT.test(userAgent),
    family: familyOf(browser.name),
    major: Number.isFinite(major) ? major : null,
  };
}

/** A user agent seen before: one shared copy of its text, and what it says. */
export interface KnownUserAgent {
  /** The UA text, detached from the event it came in (sessions keep this one, not their own copy). */
  readonly text: string;
  readonly signals: UaSignals;
}

/** Distinct UAs remembered; past this the memo starts over (simple, deterministic, bounded). */
const MEMO_LIMIT = 4096;
const memo = new Map<string, KnownUserAgent>();
const MISSING = parse(null);

export function knownUserAgent(userAgent: string): KnownUserAgent {
  let known = memo.get(userAgent);
  if (known === undefined) {
    const text = detach(userAgent);
    known = { text, signals: parse(text) };
    if (memo.size >= MEMO_LIMIT) memo.clear();
    memo.set(text, known);
  }
  return known;
}

export function uaSignals(userAgent: string | null): UaSignals {
  return userAgent === null ? MISSING : knownUserAgent(userAgent).signals;
}

const DATED: ReadonlySet<BrowserFamily> = new Set<BrowserFamily>(['chrome', 'edge', 'firefox', 'safari']);

/** Majors behind the current release at `time`, or null when the family or version cannot be dated. */
export function uaVersionsBehind(signals: UaSignals, time: number): number | null {
  if (signals.major === null || !DATED.has(signals.family)) return null;
  return versionsBehind(signals.family as DatedFamily, signals.major, time);
}

/**
 * Where a request's referrer points: nowhere, a search engine, the site itself, or somewhere
 * else. Bots mostly send none; people arrive from search engines and then click around the site.
 */

export type ReferrerKind = 'none' | 'search' | 'internal' | 'external';

/** The customer's own hosts, to tell in-site navigation from a link on another site. */
export interface SiteHosts {
  /** Lower-case host names without a leading `www.`. */
  readonly hosts: ReadonlySet<string>;
  /** The customer id, lower-case: the fallback guess when no host is known (see `classifyReferrer`). */
  readonly customerLabel: string;
}

export function siteHosts(customer: string, hosts: readonly string[] = []): SiteHosts {
  return { hosts: new Set(hosts.map((host) => bareHost(host.toLowerCase()))), customerLabel: customer.toLowerCase() };
}

/** Whether `label` is one whole dot-separated label of `host`, without splitting it. */
function hasLabel(host: string, label: string): boolean {
  if (label === '') return false;
  for (let from = host.indexOf(label); from >= 0; from = host.indexOf(label, from + 1)) {
    const end = from + label.length;
    if ((from === 0 || host.charCodeAt(from - 1) === 46) && (end === host.length || host.charCodeAt(end) === 46)) return true;
  }
  return false;
}

/** A search engine's name as a whole label of the host: www.google.co.uk, search.yahoo.com, duckduckgo.com... */
const SEARCH_HOST =
  /(?:^|\.)(?:google|bing|yahoo|duckduckgo|baidu|yandex|ecosia|qwant|naver|seznam|ask|aol|startpage|sogou|daum|kagi|mojeek)(?:\.|$)|^search\.brave\.com$/;

function bareHost(host: string): string {
  return host.startsWith('www.') ? host.slice(4) : host;
}

/** The host of an absolute URL (`https://user@Host:8080/x` → `host`), lower-case, or null. */
export function referrerHost(referrer: string): string | null {
  const scheme = referrer.indexOf('://');
  if (scheme < 0) return null;
  let start = scheme + 3;
  let end = referrer.length;
  for (let i = start; i < referrer.length; i++) {
    const c = referrer.charCodeAt(i);
    if (c === 47 /* / */ || c === 63 /* ? */ || c === 35 /* # */) {
      end = i;
      break;
    }
  }
  const at = referrer.lastIndexOf('@', end);
  if (at >= start) start = at + 1;
  let colon = referrer.indexOf(':', start);
  if (colon < 0 || colon > end) colon = end;
  return colon > start ? referrer.slice(start, colon).toLowerCase() : null;
}

/**
 * A referrer is internal when its host is the request's own `Host` or one of the customer's
 * configured hosts. Logs without a Host field and no configured hosts (Combined Log Format) leave
 * only a guess: a host with a label equal to the customer id (`www.acme.com` for `acme`).
 */
export function classifyReferrer(referrer: string | null, requestHost: string | null, site: SiteHosts): ReferrerKind {
  if (referrer === null || referrer === '' || referrer === '-') return 'none';
  const host = referrerHost(referrer);
  if (host === null) return 'external';
  const bare = bareHost(host);
  if (requestHost !== null && requestHost !== '') {
    const own = requestHost.toLowerCase();
    const colon = own.indexOf(':');
    if (bare === bareHost(colon < 0 ? own : own.slice(0, colon))) return 'internal';
  }
  if (site.hosts.has(bare)) return 'internal';
  if (SEARCH_HOST.test(bare)) return 'search';
  if ((requestHost === null || requestHost === '') && site.hosts.size === 0 && hasLabel(bare, site.customerLabel)) {
    return 'internal';
  }
  return 'external';
}

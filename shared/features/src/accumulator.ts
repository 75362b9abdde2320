/**
 * The session accumulator: everything the session features need, updated in O(1) per request
 * and held in one fixed-size Float64Array (about 1.3 KB) whatever the session's length. No list
 * of requests, paths or times is kept: counts and sums, Welford moments for the depth and
 * inter-arrival statistics, a ring of the last 16 page times for the 3/6/12 s peaks, a 64-bucket
 * hashed histogram for path entropy and a 32-value KMV sketch for distinct paths.
 *
 * Requests must arrive in event-time order (the sessionizer's reorder buffer sees to that):
 * inter-arrival times and the page ring assume it.
 */
import type { RequestEvent } from '@weir/contracts';
import { FeatureError } from './errors.js';
import { fnv1a, mix32 } from './hash.js';
import { isNightHour, type LocalClock } from './local-time.js';
import { analysePath, isLoginPath, isRobotsTxt, newPathFacts } from './paths.js';
import { classifyReferrer, type SiteHosts } from './referrer.js';

/** Per-customer settings the accumulator reads: the local clock (night) and the site's hosts (referrers). */
export interface CustomerContext {
  readonly clock: LocalClock;
  readonly site: SiteHosts;
}

// Layout of the state array. Scalars first (serialised as numbers), then the three fixed blocks.
export const N = 0; // requests
export const BYTES = 1;
export const GET = 2;
export const POST = 3;
export const HEAD = 4;
export const OTHER_METHOD = 5;
export const S2XX = 6;
export const S3XX = 7;
export const S4XX = 8;
export const S5XX = 9;
export const PAGE = 10;
export const IMAGE = 11;
export const CSS = 12;
export const JS = 13;
export const DOCUMENT = 14;
export const NO_REFERRER = 15;
export const SEARCH_REFERRER = 16;
export const EXTERNAL_REFERRER = 17;
export const ROBOTS = 18;
export const LOGIN_POST = 19;
export const NIGHT = 20;
export const DEPTH_MEAN = 21; // Welford over depth, count = N
export const DEPTH_M2 = 22;
export const VIEWS = 23; // page views (a page and the requests after it)
export const VIEW_SIZE = 24; // requests in the current view
export const MAX_VIEW = 25;
export const SEQUENTIAL = 26;
export const RUN = 27; // current run of sequential requests
export const MAX_RUN = 28;
export const FIRST_TIME = 29;
export const LAST_TIME = 30;
export const GAP_MEAN = 31; // Welford over inter-arrival seconds, count = N - 1
export const GAP_M2 = 32;
export const MAX_PAGES_3S = 33;
export const MAX_PAGES_6S = 34;
export const MAX_PAGES_12S = 35;
export const RING_NEXT = 36; // ring slot the next page time goes to
export const RING_LEN = 37;
export const ENTROPY_SUM = 38; // Σ c·log2(c) over histogram buckets
export const KMV_LEN = 39;
export const PREV_HASH = 40; // previous request: path hash, length, directory hash
export const PREV_LENGTH = 41;
export const PREV_DIR_HASH = 42;
export const UA_CHANGES = 43;
export const LOGGED = 44; // bit mask of the optional fields some request's log format records (LOGGED_*)
export const SCALARS = 45;

/** Bits of LOGGED: the field is recorded by the log format of at least one request of the session. */
export const LOGGED_REFERRER = 1;
export const LOGGED_BYTES = 2;
export const LOGGED_USER_AGENT = 4;
export const LOGGED_ALL = LOGGED_REFERRER | LOGGED_BYTES | LOGGED_USER_AGENT;

/** The LOGGED bits of one request: every field but those its format does not record. */
export function loggedFields(event: Pick<RequestEvent, 'unlogged'>): number {
  const unlogged = event.unlogged;
  if (unlogged === undefined || unlogged.length === 0) return LOGGED_ALL;
  let mask = LOGGED_ALL;
  for (const field of unlogged) {
    if (field === 'referrer') mask &= ~LOGGED_REFERRER;
    else if (field === 'bytes') mask &= ~LOGGED_BYTES;
    else if (field === 'userAgent') mask &= ~LOGGED_USER_AGENT;
  }
  return mask;
}

export const RING_SIZE = 16;
export const KMV_SIZE = 32;
export const HISTOGRAM_BUCKETS = 64;
export const RING_BASE = SCALARS;
export const KMV_BASE = RING_BASE + RING_SIZE;
export const HISTOGRAM_BASE = KMV_BASE + KMV_SIZE;
export const STATE_LENGTH = HISTOGRAM_BASE + HISTOGRAM_BUCKETS;

const PAGE_WINDOWS_MS = [3_000, 6_000, 12_000] as const;
const HISTOGRAM_SEED = 0x9e3779b9;
const KMV_SEED = 0x7f4a7c15;
const TWO_POW_32 = 4_294_967_296;
const SLASH = 47;

/**
 * The entropy histogram bucket of a path (without query): two paths in one bucket count as one
 * path for `path_entropy`. Exported so tests and docs can show the approximation at work.
 */
export function entropyBucketOf(path: string): number {
  return mix32(fnv1a(path), HISTOGRAM_SEED) & (HISTOGRAM_BUCKETS - 1);
}

/** c·log2(c), with 0·log2(0) = 0. */
function cLogC(count: number): number {
  return count > 1 ? count * Math.log2(count) : 0;
}

/** One more in a counter slot (typed-array elements read as `number | undefined` under strict indexing). */
function bump(s: Float64Array, index: number): void {
  s[index] = (s[index] as number) + 1;
}

// One scratch record reused by every call: the hot path allocates nothing per request.
const facts = newPathFacts();

export class SessionAccumulator {
  readonly state: Float64Array;

  constructor(state?: Float64Array) {
    if (state !== undefined && state.length !== STATE_LENGTH) {
      throw new FeatureError('WEIR_FEATURES_SNAPSHOT', `accumulator state has ${state.length} values, expected ${STATE_LENGTH}`);
    }
    this.state = state ?? new Float64Array(STATE_LENGTH);
  }

  get requestCount(): number {
    return this.state[N] as number;
  }

  get firstTime(): number {
    return this.state[FIRST_TIME] as number;
  }

  get lastTime(): number {
    return this.state[LAST_TIME] as number;
  }

  /** Fold one request in. `uaChanged`: its user agent differs from the previous request's. */
  add(event: RequestEvent, uaChanged: boolean, context: CustomerContext): void {
    const s = this.state;
    const time = event.eventTime;
    const first = s[N] === 0;
    if (!first && time < (s[LAST_TIME] as number)) {
      throw new FeatureError(
        'WEIR_FEATURES_INVALID_INPUT',
        `request at ${time} added after one at ${s[LAST_TIME]}: the accumulator needs event-time order`,
      );
    }
    const n = (s[N] as number) + 1;
    s[N] = n;
    s[BYTES] = (s[BYTES] as number) + (event.bytes > 0 ? event.bytes : 0);
    s[LOGGED] = (s[LOGGED] as number) | loggedFields(event);

    const method = event.method;
    if (method === 'GET') bump(s, GET);
    else if (method === 'POST') {
      bump(s, POST);
      if (isLoginPath(event.path)) bump(s, LOGIN_POST);
    } else if (method === 'HEAD') bump(s, HEAD);
    else bump(s, OTHER_METHOD);

    const status = event.status;
    if (status >= 200 && status < 300) bump(s, S2XX);
    else if (status >= 300 && status < 400) bump(s, S3XX);
    else if (status >= 400 && status < 500) bump(s, S4XX);
    else if (status >= 500 && status < 600) bump(s, S5XX);

    switch (classifyReferrer(event.referrer, event.host, context.site)) {
      case 'none':
        bump(s, NO_REFERRER);
        break;
      case 'search':
        bump(s, SEARCH_REFERRER);
        break;
      case 'external':
        bump(s, EXTERNAL_REFERRER);
        break;
      case 'internal':
        break;
    }

    if (isNightHour(context.clock.hourAt(time))) bump(s, NIGHT);
    if (uaChanged) bump(s, UA_CHANGES);

    const path = analysePath(event.path, first ? -1 : (s[PREV_LENGTH] as number), facts);
    const isPage = path.kind === 'page';
    switch (path.kind) {
      case 'page':
        bump(s, PAGE);
        break;
      case 'image':
        bump(s, IMAGE);
        break;
      case 'css':
        bump(s, CSS);
        break;
      case 'js':
        bump(s, JS);
        break;
      case 'document':
        bump(s, DOCUMENT);
        break;
      case 'other':
        break;
    }
    if (s[ROBOTS] === 0 && isRobotsTxt(event.path, path)) s[ROBOTS] = 1;

    // Welford: numerically stable running mean and sum of squared deviations.
    const depthDelta = path.depth - (s[DEPTH_MEAN] as number);
    s[DEPTH_MEAN] = (s[DEPTH_MEAN] as number) + depthDelta / n;
    s[DEPTH_M2] = (s[DEPTH_M2] as number) + depthDelta * (path.depth - (s[DEPTH_MEAN] as number));

    // Page views: a page request opens one; anything before the first page forms one too.
    if (isPage || first) {
      bump(s, VIEWS);
      s[VIEW_SIZE] = 1;
    } else {
      bump(s, VIEW_SIZE);
    }
    if ((s[VIEW_SIZE] as number) > (s[MAX_VIEW] as number)) s[MAX_VIEW] = s[VIEW_SIZE] as number;

    if (first) {
      s[FIRST_TIME] = time;
    } else {
      const sequential =
        path.dirHash === s[PREV_DIR_HASH] || (path.prefixHash === s[PREV_HASH] && path.charAfterPrefix === SLASH);
      if (sequential) {
        bump(s, SEQUENTIAL);
        bump(s, RUN);
        if ((s[RUN] as number) > (s[MAX_RUN] as number)) s[MAX_RUN] = s[RUN] as number;
      } else {
        s[RUN] = 0;
      }
      const gap = (time - (s[LAST_TIME] as number)) / 1000;
      const gaps = n - 1;
      const gapDelta = gap - (s[GAP_MEAN] as number);
      s[GAP_MEAN] = (s[GAP_MEAN] as number) + gapDelta / gaps;
      s[GAP_M2] = (s[GAP_M2] as number) + gapDelta * (gap - (s[GAP_MEAN] as number));
    }
    s[LAST_TIME] = time;
    s[PREV_HASH] = path.hash;
    s[PREV_LENGTH] = path.length;
    s[PREV_DIR_HASH] = path.dirHash;

    if (isPage) this.addPageTime(time);
    this.addPathHash(path.hash);
  }

  /** Ring of the last 16 page times; the newest counts itself, so peaks are at most 16. */
  private addPageTime(time: number): void {
    const s = this.state;
    const next = s[RING_NEXT] as number;
    s[RING_BASE + next] = time;
    s[RING_NEXT] = (next + 1) % RING_SIZE;
    const length = Math.min((s[RING_LEN] as number) + 1, RING_SIZE);
    s[RING_LEN] = length;
    for (let w = 0; w < PAGE_WINDOWS_MS.length; w++) {
      const since = time - (PAGE_WINDOWS_MS[w] as number);
      let count = 0;
      // Newest to oldest: times are ordered, so stop at the first one outside (t - W, t].
      for (let k = 0; k < length; k++) {
        const slot = (next - k + RING_SIZE) % RING_SIZE;
        if ((s[RING_BASE + slot] as number) <= since) break;
        count++;
      }
      const index = MAX_PAGES_3S + w;
      if (count > (s[index] as number)) s[index] = count;
    }
  }

  private addPathHash(hash: number): void {
    const s = this.state;
    // Entropy: keep Σ c·log2(c) so H = log2(n) − Σ/n is O(1) to update and to read.
    const bucket = HISTOGRAM_BASE + (mix32(hash, HISTOGRAM_SEED) & (HISTOGRAM_BUCKETS - 1));
    const count = s[bucket] as number;
    s[ENTROPY_SUM] = (s[ENTROPY_SUM] as number) + cLogC(count + 1) - cLogC(count);
    s[bucket] = count + 1;

    // KMV: the 32 smallest distinct mixed hashes, ascending.
    const value = mix32(hash, KMV_SEED);
    const length = s[KMV_LEN] as number;
    if (length === KMV_SIZE && value >= (s[KMV_BASE + KMV_SIZE - 1] as number)) return;
    let position = 0;
    while (position < length && (s[KMV_BASE + position] as number) < value) position++;
    if (position < length && s[KMV_BASE + position] === value) return;
    const last = Math.min(length, KMV_SIZE - 1);
    for (let i = last; i > position; i--) s[KMV_BASE + i] = s[KMV_BASE + i - 1] as number;
    s[KMV_BASE + position] = value;
    if (length < KMV_SIZE) s[KMV_LEN] = length + 1;
  }

  /** Distinct paths: exact (up to hash collisions) below 32, else the KMV estimate (k−1)/U(k). */
  distinctPaths(): number {
    const s = this.state;
    const length = s[KMV_LEN] as number;
    if (length < KMV_SIZE) return length;
    const kth = ((s[KMV_BASE + KMV_SIZE - 1] as number) + 1) / TWO_POW_32;
    return (KMV_SIZE - 1) / kth;
  }

  /** Shannon entropy (bits) of the path-hash histogram. */
  pathEntropy(): number {
    const n = this.state[N] as number;
    if (n <= 1) return 0;
    const entropy = Math.log2(n) - (this.state[ENTROPY_SUM] as number) / n;
    // Rounding can leave a tiny negative for a single repeated path.
    return entropy > 0 ? entropy : 0;
  }
}

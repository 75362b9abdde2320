/**
 * The session accumulator: everything the session features need, updated in O(1) per request
 * and held in a fixed-size record whatever the session's length. No list of requests, paths or
 * times is kept: counts and sums, Welford moments for the depth and inter-arrival statistics, a
 * ring of the last 16 page times for the 3/6/12 s peaks, a 64-bucket hashed histogram for path
 * entropy and a 32-value KMV sketch for distinct paths.
 *
 * Records live in an `AccumulatorStore`: slabs of 1,024 records in one ArrayBuffer each, every
 * value at the narrowest width that holds it exactly. Doubles (sums, moments, times) take 8
 * bytes, counts and 32-bit hashes 4, histogram buckets 2 (a bucket that passes 65,535 moves the
 * session's histogram to a 32-bit side table): 600 bytes a session, where one Float64Array of 156
 * values and its two objects took about 1.5 KB. A session is a slot number, not an object.
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

// The scalars by logical index: the order of a snapshot's `s` array (accumulator-state.ts) and of
// `get`. Where each is stored is decided below.
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
/** Scalars of a snapshot written before LOGGED existed: such a session had every field logged. */
export const SCALARS_BEFORE_LOGGED = 44;

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

/** The scalars that need doubles (sums, means, times); every other one is a count or a 32-bit hash. */
const DOUBLE_SCALARS = [BYTES, DEPTH_MEAN, DEPTH_M2, FIRST_TIME, LAST_TIME, GAP_MEAN, GAP_M2, ENTROPY_SUM] as const;

/** Logical scalar → its float64 offset, or -1 when it is a uint32. */
const DOUBLE_AT = new Int8Array(SCALARS).fill(-1);
DOUBLE_SCALARS.forEach((field, offset) => (DOUBLE_AT[field] = offset));
/** Logical scalar → its uint32 offset, or -1 when it is a double. */
const U32_AT = new Int8Array(SCALARS).fill(-1);
let u32Scalars = 0;
for (let field = 0; field < SCALARS; field++) if (DOUBLE_AT[field] === -1) U32_AT[field] = u32Scalars++;

// Physical layout of one record: [doubles | uint32s | uint16 histogram], each part a stride of its view.
const WIDE = u32Scalars; // uint32 flag: this session's histogram is in the 32-bit side table
const KMV = WIDE + 1; // uint32 offset of the KMV values
const U32_STRIDE = KMV + KMV_SIZE;
const RING = DOUBLE_SCALARS.length; // float64 offset of the page ring
const F64_STRIDE = RING + RING_SIZE;
const U16_STRIDE = HISTOGRAM_BUCKETS;
const RECORD_BYTES = F64_STRIDE * 8 + U32_STRIDE * 4 + U16_STRIDE * 2;
// Hot-path offsets of the doubles.
const F_BYTES = DOUBLE_AT[BYTES] as number;
const F_DEPTH_MEAN = DOUBLE_AT[DEPTH_MEAN] as number;
const F_DEPTH_M2 = DOUBLE_AT[DEPTH_M2] as number;
const F_FIRST_TIME = DOUBLE_AT[FIRST_TIME] as number;
const F_LAST_TIME = DOUBLE_AT[LAST_TIME] as number;
const F_GAP_MEAN = DOUBLE_AT[GAP_MEAN] as number;
const F_GAP_M2 = DOUBLE_AT[GAP_M2] as number;
const F_ENTROPY_SUM = DOUBLE_AT[ENTROPY_SUM] as number;
// Hot-path offsets of the counts and hashes (MAX_PAGES_3S/6S/12S are consecutive).
const U_CSS = U32_AT[CSS] as number;
const U_DOCUMENT = U32_AT[DOCUMENT] as number;
const U_EXTERNAL_REFERRER = U32_AT[EXTERNAL_REFERRER] as number;
const U_GET = U32_AT[GET] as number;
const U_HEAD = U32_AT[HEAD] as number;
const U_IMAGE = U32_AT[IMAGE] as number;
const U_JS = U32_AT[JS] as number;
const U_KMV_LEN = U32_AT[KMV_LEN] as number;
const U_LOGIN_POST = U32_AT[LOGIN_POST] as number;
const U_MAX_PAGES_3S = U32_AT[MAX_PAGES_3S] as number;
const U_MAX_RUN = U32_AT[MAX_RUN] as number;
const U_MAX_VIEW = U32_AT[MAX_VIEW] as number;
const U_N = U32_AT[N] as number;
const U_NIGHT = U32_AT[NIGHT] as number;
const U_NO_REFERRER = U32_AT[NO_REFERRER] as number;
const U_OTHER_METHOD = U32_AT[OTHER_METHOD] as number;
const U_PAGE = U32_AT[PAGE] as number;
const U_POST = U32_AT[POST] as number;
const U_PREV_DIR_HASH = U32_AT[PREV_DIR_HASH] as number;
const U_PREV_HASH = U32_AT[PREV_HASH] as number;
const U_PREV_LENGTH = U32_AT[PREV_LENGTH] as number;
const U_RING_LEN = U32_AT[RING_LEN] as number;
const U_RING_NEXT = U32_AT[RING_NEXT] as number;
const U_ROBOTS = U32_AT[ROBOTS] as number;
const U_RUN = U32_AT[RUN] as number;
const U_S2XX = U32_AT[S2XX] as number;
const U_S3XX = U32_AT[S3XX] as number;
const U_S4XX = U32_AT[S4XX] as number;
const U_S5XX = U32_AT[S5XX] as number;
const U_SEARCH_REFERRER = U32_AT[SEARCH_REFERRER] as number;
const U_SEQUENTIAL = U32_AT[SEQUENTIAL] as number;
const U_UA_CHANGES = U32_AT[UA_CHANGES] as number;
const U_VIEWS = U32_AT[VIEWS] as number;
const U_VIEW_SIZE = U32_AT[VIEW_SIZE] as number;
const U_LOGGED = U32_AT[LOGGED] as number;

const SLAB_SHIFT = 10;
const SLAB_RECORDS = 1 << SLAB_SHIFT;
const SLAB_MASK = SLAB_RECORDS - 1;
const MAX_U16 = 0xffff;
/** Counts are uint32: a session stops at this many requests (days at a million requests a second). */
export const MAX_SESSION_REQUESTS = 0xffffffff;

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

/** One more in a count (typed-array elements read as `number | undefined` under strict indexing). */
function bump(u32: Uint32Array, index: number): void {
  u32[index] = (u32[index] as number) + 1;
}

// One scratch record reused by every call: the hot path allocates nothing per request.
const facts = newPathFacts();

/** Where one record's three parts are: the slab's views and the record's base offset in each. */
interface Cursor {
  f64: Float64Array;
  u32: Uint32Array;
  u16: Uint16Array;
  f: number;
  u: number;
  h: number;
}

/**
 * Fixed-layout accumulator records for many sessions. Slots are handed out and taken back;
 * slabs are kept once made (the store holds as many records as were ever open at once).
 */
export class AccumulatorStore {
  private readonly f64: Float64Array[] = [];
  private readonly u32: Uint32Array[] = [];
  private readonly u16: Uint16Array[] = [];
  /** Histograms past 65,535 in a bucket, by slot. */
  private readonly wide = new Map<number, Uint32Array>();
  private readonly free: number[] = [];
  private nextSlot = 0;
  private readonly cursor: Cursor = { f64: new Float64Array(0), u32: new Uint32Array(0), u16: new Uint16Array(0), f: 0, u: 0, h: 0 };

  /** Records in use. */
  get size(): number {
    return this.nextSlot - this.free.length;
  }

  /** A zeroed record's slot. */
  allocate(): number {
    const reused = this.free.pop();
    if (reused !== undefined) {
      const c = this.at(reused);
      c.f64.fill(0, c.f, c.f + F64_STRIDE);
      c.u32.fill(0, c.u, c.u + U32_STRIDE);
      c.u16.fill(0, c.h, c.h + U16_STRIDE);
      return reused;
    }
    const slot = this.nextSlot++;
    if ((slot & SLAB_MASK) === 0) {
      const buffer = new ArrayBuffer(SLAB_RECORDS * RECORD_BYTES);
      const u32Offset = SLAB_RECORDS * F64_STRIDE * 8;
      const u16Offset = u32Offset + SLAB_RECORDS * U32_STRIDE * 4;
      this.f64.push(new Float64Array(buffer, 0, SLAB_RECORDS * F64_STRIDE));
      this.u32.push(new Uint32Array(buffer, u32Offset, SLAB_RECORDS * U32_STRIDE));
      this.u16.push(new Uint16Array(buffer, u16Offset, SLAB_RECORDS * U16_STRIDE));
    }
    return slot;
  }

  release(slot: number): void {
    this.wide.delete(slot);
    this.free.push(slot);
  }

  private at(slot: number): Cursor {
    const c = this.cursor;
    const slab = slot >>> SLAB_SHIFT;
    const record = slot & SLAB_MASK;
    c.f64 = this.f64[slab] as Float64Array;
    c.u32 = this.u32[slab] as Uint32Array;
    c.u16 = this.u16[slab] as Uint16Array;
    c.f = record * F64_STRIDE;
    c.u = record * U32_STRIDE;
    c.h = record * U16_STRIDE;
    return c;
  }

  /** Scalar `field` (a logical index, N … UA_CHANGES) of `slot`. */
  get(slot: number, field: number): number {
    const c = this.at(slot);
    const double = DOUBLE_AT[field] as number;
    return double >= 0 ? (c.f64[c.f + double] as number) : (c.u32[c.u + (U32_AT[field] as number)] as number);
  }

  /** Sets scalar `field`; a count or hash must be an integer in [0, 2^32). */
  set(slot: number, field: number, value: number): void {
    const c = this.at(slot);
    const double = DOUBLE_AT[field] as number;
    if (double >= 0) {
      c.f64[c.f + double] = value;
      return;
    }
    if (!Number.isInteger(value) || value < 0 || value > MAX_SESSION_REQUESTS) {
      throw new FeatureError('WEIR_FEATURES_SNAPSHOT', `accumulator field ${field} holds ${value}, not a 32-bit count`);
    }
    c.u32[c.u + (U32_AT[field] as number)] = value;
  }

  ringTime(slot: number, index: number): number {
    const c = this.at(slot);
    return c.f64[c.f + RING + index] as number;
  }

  setRingTime(slot: number, index: number, time: number): void {
    const c = this.at(slot);
    c.f64[c.f + RING + index] = time;
  }

  kmvValue(slot: number, index: number): number {
    const c = this.at(slot);
    return c.u32[c.u + KMV + index] as number;
  }

  setKmvValue(slot: number, index: number, value: number): void {
    const c = this.at(slot);
    c.u32[c.u + KMV + index] = value;
  }

  bucketCount(slot: number, bucket: number): number {
    const c = this.at(slot);
    if (c.u32[c.u + WIDE] === 0) return c.u16[c.h + bucket] as number;
    return (this.wide.get(slot) as Uint32Array)[bucket] as number;
  }

  setBucketCount(slot: number, bucket: number, count: number): void {
    const c = this.at(slot);
    if (c.u32[c.u + WIDE] === 0 && count > MAX_U16) this.widen(slot, c);
    if (c.u32[c.u + WIDE] === 0) c.u16[c.h + bucket] = count;
    else (this.wide.get(slot) as Uint32Array)[bucket] = count;
  }

  /** Moves the histogram to the 32-bit side table (before a bucket passes 65,535). */
  private widen(slot: number, c: Cursor): void {
    const counts = new Uint32Array(HISTOGRAM_BUCKETS);
    for (let b = 0; b < HISTOGRAM_BUCKETS; b++) counts[b] = c.u16[c.h + b] as number;
    c.u16.fill(0, c.h, c.h + U16_STRIDE);
    this.wide.set(slot, counts);
    c.u32[c.u + WIDE] = 1;
  }

  /** Fold one request into `slot`. `uaChanged`: its user agent differs from the previous request's. */
  add(slot: number, event: RequestEvent, uaChanged: boolean, context: CustomerContext): void {
    const c = this.at(slot);
    const f64 = c.f64;
    const u32 = c.u32;
    const f = c.f;
    const u = c.u;
    const time = event.eventTime;
    const count = u32[u + U_N] as number;
    const first = count === 0;
    if (!first && time < (f64[f + F_LAST_TIME] as number)) {
      throw new FeatureError(
        'WEIR_FEATURES_INVALID_INPUT',
        `request at ${time} added after one at ${f64[f + F_LAST_TIME]}: the accumulator needs event-time order`,
      );
    }
    if (count === MAX_SESSION_REQUESTS) {
      throw new FeatureError('WEIR_FEATURES_INVALID_INPUT', `a session holds at most ${MAX_SESSION_REQUESTS} requests`);
    }
    const n = count + 1;
    u32[u + U_N] = n;
    f64[f + F_BYTES] = (f64[f + F_BYTES] as number) + (event.bytes > 0 ? event.bytes : 0);
    u32[u + U_LOGGED] = (u32[u + U_LOGGED] as number) | loggedFields(event);

    const method = event.method;
    if (method === 'GET') bump(u32, u + U_GET);
    else if (method === 'POST') {
      bump(u32, u + U_POST);
      if (isLoginPath(event.path)) bump(u32, u + U_LOGIN_POST);
    } else if (method === 'HEAD') bump(u32, u + U_HEAD);
    else bump(u32, u + U_OTHER_METHOD);

    const status = event.status;
    if (status >= 200 && status < 300) bump(u32, u + U_S2XX);
    else if (status >= 300 && status < 400) bump(u32, u + U_S3XX);
    else if (status >= 400 && status < 500) bump(u32, u + U_S4XX);
    else if (status >= 500 && status < 600) bump(u32, u + U_S5XX);

    switch (classifyReferrer(event.referrer, event.host, context.site)) {
      case 'none':
        bump(u32, u + U_NO_REFERRER);
        break;
      case 'search':
        bump(u32, u + U_SEARCH_REFERRER);
        break;
      case 'external':
        bump(u32, u + U_EXTERNAL_REFERRER);
        break;
      case 'internal':
        break;
    }

    if (isNightHour(context.clock.hourAt(time))) bump(u32, u + U_NIGHT);
    if (uaChanged) bump(u32, u + U_UA_CHANGES);

    const path = analysePath(event.path, first ? -1 : (u32[u + U_PREV_LENGTH] as number), facts);
    const isPage = path.kind === 'page';
    switch (path.kind) {
      case 'page':
        bump(u32, u + U_PAGE);
        break;
      case 'image':
        bump(u32, u + U_IMAGE);
        break;
      case 'css':
        bump(u32, u + U_CSS);
        break;
      case 'js':
        bump(u32, u + U_JS);
        break;
      case 'document':
        bump(u32, u + U_DOCUMENT);
        break;
      case 'other':
        break;
    }
    if (u32[u + U_ROBOTS] === 0 && isRobotsTxt(event.path, path)) u32[u + U_ROBOTS] = 1;

    // Welford: numerically stable running mean and sum of squared deviations.
    const depthDelta = path.depth - (f64[f + F_DEPTH_MEAN] as number);
    f64[f + F_DEPTH_MEAN] = (f64[f + F_DEPTH_MEAN] as number) + depthDelta / n;
    f64[f + F_DEPTH_M2] = (f64[f + F_DEPTH_M2] as number) + depthDelta * (path.depth - (f64[f + F_DEPTH_MEAN] as number));

    // Page views: a page request opens one; anything before the first page forms one too.
    if (isPage || first) {
      bump(u32, u + U_VIEWS);
      u32[u + U_VIEW_SIZE] = 1;
    } else {
      bump(u32, u + U_VIEW_SIZE);
    }
    if ((u32[u + U_VIEW_SIZE] as number) > (u32[u + U_MAX_VIEW] as number)) u32[u + U_MAX_VIEW] = u32[u + U_VIEW_SIZE] as number;

    if (first) {
      f64[f + F_FIRST_TIME] = time;
    } else {
      const sequential =
        path.dirHash === u32[u + U_PREV_DIR_HASH] || (path.prefixHash === u32[u + U_PREV_HASH] && path.charAfterPrefix === SLASH);
      if (sequential) {
        bump(u32, u + U_SEQUENTIAL);
        bump(u32, u + U_RUN);
        if ((u32[u + U_RUN] as number) > (u32[u + U_MAX_RUN] as number)) u32[u + U_MAX_RUN] = u32[u + U_RUN] as number;
      } else {
        u32[u + U_RUN] = 0;
      }
      const gap = (time - (f64[f + F_LAST_TIME] as number)) / 1000;
      const gaps = n - 1;
      const gapDelta = gap - (f64[f + F_GAP_MEAN] as number);
      f64[f + F_GAP_MEAN] = (f64[f + F_GAP_MEAN] as number) + gapDelta / gaps;
      f64[f + F_GAP_M2] = (f64[f + F_GAP_M2] as number) + gapDelta * (gap - (f64[f + F_GAP_MEAN] as number));
    }
    f64[f + F_LAST_TIME] = time;
    u32[u + U_PREV_HASH] = path.hash;
    u32[u + U_PREV_LENGTH] = path.length;
    u32[u + U_PREV_DIR_HASH] = path.dirHash;

    if (isPage) addPageTime(c, time);
    this.addPathHash(slot, c, path.hash);
  }

  private addPathHash(slot: number, c: Cursor, hash: number): void {
    const f64 = c.f64;
    const u32 = c.u32;
    const u = c.u;
    // Entropy: keep Σ c·log2(c) so H = log2(n) − Σ/n is O(1) to update and to read.
    const bucket = mix32(hash, HISTOGRAM_SEED) & (HISTOGRAM_BUCKETS - 1);
    const wide = u32[u + WIDE] === 0 ? undefined : (this.wide.get(slot) as Uint32Array);
    const count = wide === undefined ? (c.u16[c.h + bucket] as number) : (wide[bucket] as number);
    f64[c.f + F_ENTROPY_SUM] = (f64[c.f + F_ENTROPY_SUM] as number) + cLogC(count + 1) - cLogC(count);
    if (wide !== undefined) wide[bucket] = count + 1;
    else if (count < MAX_U16) c.u16[c.h + bucket] = count + 1;
    else this.setBucketCount(slot, bucket, count + 1);

    // KMV: the 32 smallest distinct mixed hashes, ascending.
    const value = mix32(hash, KMV_SEED);
    const k = u + KMV;
    const length = u32[u + U_KMV_LEN] as number;
    if (length === KMV_SIZE && value >= (u32[k + KMV_SIZE - 1] as number)) return;
    let position = 0;
    while (position < length && (u32[k + position] as number) < value) position++;
    if (position < length && u32[k + position] === value) return;
    const last = Math.min(length, KMV_SIZE - 1);
    for (let i = last; i > position; i--) u32[k + i] = u32[k + i - 1] as number;
    u32[k + position] = value;
    if (length < KMV_SIZE) u32[u + U_KMV_LEN] = length + 1;
  }

  /** Distinct paths: exact (up to hash collisions) below 32, else the KMV estimate (k−1)/U(k). */
  distinctPaths(slot: number): number {
    const c = this.at(slot);
    const length = c.u32[c.u + U_KMV_LEN] as number;
    if (length < KMV_SIZE) return length;
    const kth = ((c.u32[c.u + KMV + KMV_SIZE - 1] as number) + 1) / TWO_POW_32;
    return (KMV_SIZE - 1) / kth;
  }

  /** Shannon entropy (bits) of the path-hash histogram. */
  pathEntropy(slot: number): number {
    const c = this.at(slot);
    const n = c.u32[c.u + U_N] as number;
    if (n <= 1) return 0;
    const entropy = Math.log2(n) - (c.f64[c.f + F_ENTROPY_SUM] as number) / n;
    // Rounding can leave a tiny negative for a single repeated path.
    return entropy > 0 ? entropy : 0;
  }
}

/** Ring of the last 16 page times; the newest counts itself, so peaks are at most 16. */
function addPageTime(c: Cursor, time: number): void {
  const f64 = c.f64;
  const u32 = c.u32;
  const u = c.u;
  const ring = c.f + RING;
  const next = u32[u + U_RING_NEXT] as number;
  f64[ring + next] = time;
  u32[u + U_RING_NEXT] = (next + 1) % RING_SIZE;
  const length = Math.min((u32[u + U_RING_LEN] as number) + 1, RING_SIZE);
  u32[u + U_RING_LEN] = length;
  for (let w = 0; w < PAGE_WINDOWS_MS.length; w++) {
    const since = time - (PAGE_WINDOWS_MS[w] as number);
    let count = 0;
    // Newest to oldest: times are ordered, so stop at the first one outside (t - W, t].
    for (let k = 0; k < length; k++) {
      const slot = (next - k + RING_SIZE) % RING_SIZE;
      if ((f64[ring + slot] as number) <= since) break;
      count++;
    }
    const index = u + U_MAX_PAGES_3S + w;
    if (count > (u32[index] as number)) u32[index] = count;
  }
}

/**
 * One session's accumulator: a slot of a store. A sessionizer keeps one store for all its
 * sessions; `new SessionAccumulator()` makes a store of its own for a single session.
 */
export class SessionAccumulator {
  constructor(
    readonly store: AccumulatorStore = new AccumulatorStore(),
    readonly slot: number = store.allocate(),
  ) {}

  get requestCount(): number {
    return this.store.get(this.slot, N);
  }

  get firstTime(): number {
    return this.store.get(this.slot, FIRST_TIME);
  }

  get lastTime(): number {
    return this.store.get(this.slot, LAST_TIME);
  }

  /** Scalar `field` (N … UA_CHANGES). */
  get(field: number): number {
    return this.store.get(this.slot, field);
  }

  add(event: RequestEvent, uaChanged: boolean, context: CustomerContext): void {
    this.store.add(this.slot, event, uaChanged, context);
  }

  distinctPaths(): number {
    return this.store.distinctPaths(this.slot);
  }

  pathEntropy(): number {
    return this.store.pathEntropy(this.slot);
  }
}

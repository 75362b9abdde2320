/**
 * The core: simulated traffic as a stream of log lines in time order. Files, and later a live
 * feed, are built on `simulateTraffic`. Memory stays bounded however long the period: sessions
 * are generated only when they begin and dropped once their last line is out, and a heap holds
 * just the sessions in progress and each stream's next arrival.
 */
import { BOT_GENERATORS } from './bots/index.js';
import { buildSite } from './catalogue.js';
import { ClfClock, formatLogLine, LOG_LAYOUTS, type LogLayout } from './clf.js';
import { FAMILY_WEIGHTS, labelOf, type Family, type Label } from './families.js';
import { generateHuman } from './human.js';
import { IpAllocator } from './ip.js';
import { CLASSIC_LAYOUT, wideLayout } from './layout.js';
import { mergeByTime, TimeHeap } from './merge.js';
import { resolveOptions, type ResolvedOptions, type SimulationOptions } from './options.js';
import { Rng } from './random.js';
import { Arrivals, DIURNAL_MAX, diurnal, meanDiurnal } from './rhythm.js';
import type { PlannedRequest, SessionGenerator } from './session.js';
import { customerName, customerNames, themeOf } from './themes.js';
import { MINUTE } from './time.js';
import { browserEra } from './user-agents.js';

/** One simulated visitor's session: the ground truth a detector is judged against. */
export interface SimulatedSession {
  /** Unique in the run: `<customer>/<family>/<n>`. */
  id: string;
  customer: string;
  clientIp: string;
  /** null when no User-Agent was sent (the log shows `-`). */
  userAgent: string | null;
  label: Label;
  family: Family;
  /** Epoch ms of its first and last request (exact; the log rounds down to the second). */
  firstTime: number;
  lastTime: number;
  /** Number of its requests (lines) within the simulated period. */
  requests: number;
}

export interface SimulatedLine {
  customer: string;
  /** Epoch ms. */
  time: number;
  /** The Combined Log Format line, without newline. */
  line: string;
  sessionRef: SimulatedSession;
  /** This line's place in its session: 0 for the first. */
  index: number;
}

interface Stream {
  family: Family;
  generate: SessionGenerator;
  arrivals: Arrivals;
  count: number;
}

type Entry =
  | { kind: 'arrival'; time: number; stream: Stream }
  | { kind: 'session'; session: SimulatedSession; requests: PlannedRequest[]; index: number };

const MIXED_LAYOUTS: readonly LogLayout[] = ['combined', 'no_referrer_no_bytes', 'no_referrer'];

/** The layout customer `customerIndex` logs in: `combined`, or with `mixed` formats its turn among MIXED_LAYOUTS. */
export function logLayoutOf(options: Pick<ResolvedOptions, 'logFormats'>, customerIndex: number): LogLayout {
  return options.logFormats === 'mixed' ? (MIXED_LAYOUTS[customerIndex % MIXED_LAYOUTS.length] as LogLayout) : 'combined';
}

/** Customer → the format string its log is written in (what `--format` takes). */
export function customerLogFormats(options: ResolvedOptions): Record<string, string> {
  return Object.fromEntries(customerNames(options.customers).map((name, i) => [name, LOG_LAYOUTS[logLayoutOf(options, i)]]));
}

/**
 * One customer's traffic in time order. Customers are independent of one another (each has its
 * own random streams and its own share of the address space), so they can be run separately.
 */
export function* customerTraffic(options: ResolvedOptions, customerIndex: number): Generator<SimulatedLine> {
  if (!(customerIndex >= 0 && customerIndex < options.customers)) throw new RangeError(`no customer ${customerIndex} among ${options.customers}`);
  const customer = customerName(customerIndex);
  const { seed, start } = options;
  const end = start + options.durationMs;
  const offset = options.utcOffsets[customerIndex % options.utcOffsets.length] ?? 0;
  const site = buildSite(customer, themeOf(customerIndex), Rng.derive(seed, customer, 'site'));
  // Its own random stream, so classic sites stay exactly what they were.
  site.layout = options.variety === 'wide' ? wideLayout(Rng.derive(seed, customer, 'layout')) : CLASSIC_LAYOUT;
  const ips = new IpAllocator(seed, customerIndex, options.customers);
  const era = browserEra(start);
  const clock = new ClfClock(offset);
  const layout = logLayoutOf(options, customerIndex);

  // Rates per ms. People follow the local clock, normalised over this period so that --rate and
  // --bot-share hold whatever hours it covers; bots keep the same pace day and night.
  const perMs = options.ratePerMinute / MINUTE;
  const humanRate = perMs * (1 - options.botShare);
  const mean = meanDiurnal(start, end, offset);
  const streams: Stream[] = [];
  const arrivals = (family: Family, maxRate: number, rate: (t: number) => number): Arrivals =>
    new Arrivals(Rng.derive(seed, customer, family, 'arrivals'), start, end, maxRate, rate);
  streams.push({
    family: 'human',
    generate: generateHuman,
    arrivals: arrivals('human', (humanRate * DIURNAL_MAX) / mean, (t) => (humanRate * diurnal(t, offset)) / mean),
    count: 0,
  });
  const totalWeight = options.families.reduce((sum, f) => sum + FAMILY_WEIGHTS[f], 0);
  for (const family of options.families) {
    const rate = (perMs * options.botShare * FAMILY_WEIGHTS[family]) / totalWeight;
    streams.push({ family, generate: BOT_GENERATORS[family], arrivals: arrivals(family, rate, () => rate), count: 0 });
  }

  const heap = new TimeHeap<Entry>();
  for (const stream of streams) {
    const first = stream.arrivals.next();
    if (first !== null) heap.push(first, { kind: 'arrival', time: first, stream });
  }

  while (heap.size > 0) {
    const entry = heap.pop();
    if (entry === undefined) break;
    if (entry.kind === 'arrival') {
      const { stream, time } = entry;
      const n = stream.count++;
      const plan = stream.generate({ rng: Rng.derive(seed, customer, stream.family, n), site, start: time, end, ips, era });
      const first = plan.requests[0];
      const last = plan.requests[plan.requests.length - 1];
      if (first && last) {
        const session: SimulatedSession = {
          id: `${customer}/${plan.family}/${n}`,
          customer,
          clientIp: plan.clientIp,
          userAgent: plan.userAgent,
          label: labelOf(plan.family),
          family: plan.family,
          firstTime: first.time,
          lastTime: last.time,
          requests: plan.requests.length,
        };
        heap.push(first.time, { kind: 'session', session, requests: plan.requests, index: 0 });
      }
      const next = stream.arrivals.next();
      if (next !== null) {
        entry.time = next;
        heap.push(next, entry);
      }
      continue;
    }
    const request = entry.requests[entry.index];
    if (request === undefined) continue;
    const { session } = entry;
    yield {
      customer,
      time: request.time,
      line: formatLogLine(layout, {
        clientIp: session.clientIp,
        time: clock.format(request.time),
        method: request.method,
        target: request.target,
        protocol: request.protocol,
        status: request.status,
        bytes: request.bytes,
        referrer: request.referrer,
        userAgent: session.userAgent,
      }),
      sessionRef: session,
      index: entry.index,
    };
    entry.index++;
    const following = entry.requests[entry.index];
    if (following !== undefined) heap.push(following.time, entry);
  }
}

/**
 * Every customer's traffic merged into one stream in time order. Deterministic: the same
 * options give the same lines in the same order, equal times included.
 */
export function simulateTraffic(options: SimulationOptions = {}): Iterable<SimulatedLine> {
  const resolved = resolveOptions(options);
  return mergeByTime(Array.from({ length: resolved.customers }, (_, i) => customerTraffic(resolved, i)));
}

/**
 * The `session` column of labels.csv: `<client IP>|<User-Agent>`, the User-Agent exactly as
 * the log line's last quoted field shows it (`-` when none was sent).
 */
export function labelsSessionKey(clientIp: string, userAgent: string | null): string {
  return `${clientIp}|${userAgent ?? '-'}`;
}

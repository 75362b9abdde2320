/**
 * The records every engine of `pnpm bench peers` reads, and what their outputs must contain.
 *
 * One record per simulated log line (combined format), keyed `<customer>|<client ip>|<user agent>`
 * — the visitor, so Kafka's default partitioner puts all of one visitor's lines in one partition.
 * After the traffic, per customer and per partition, two sentinel lines far ahead in event time
 * (+2 h, then +3 h): event time only moves with data, and each engine closes sessions and windows
 * per partition (Kafka Streams' stream time, weir's sessionizer) or per customer (weir's window),
 * so without them the last half hour of sessions would never close. The +2 h sentinel's session
 * closes at +3 h and carries every engine's second stage past the traffic's last window.
 */
import type { RequestEvent } from '../../shared/contracts/src/index.js';
import { sessionIdOf } from '../../shared/features/src/index.js';
import { parserFor, type LogParser } from '../../shared/logs/src/index.js';
import { simulateTraffic } from '../../shared/simulator/src/index.js';
import { partitionForKey } from '../../shared/stream/src/index.js';
import { WINDOW_MS, sessionWindowStart } from './reference.js';

export const SENTINEL_AGENT = 'weir-bench-sentinel';

export interface PeerRecord {
  key: string;
  line: string;
  /** Event time, epoch ms. */
  time: number;
  customer: string;
  /** The line as weir's parser reads it: what the reference job is computed from. */
  event: RequestEvent;
}

export interface PeerInput {
  /** The simulated traffic, in event-time order. */
  traffic: PeerRecord[];
  /** The sentinels, after the traffic. */
  sentinels: PeerRecord[];
  /** Per customer, the newest event time of its traffic. */
  lastTime: Map<string, number>;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function clfTime(ms: number): string {
  const d = new Date(ms);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} +0000`;
}

export function visitorKey(customer: string, clientIp: string, userAgent: string | null): string {
  return `${customer}|${clientIp}|${userAgent ?? '-'}`;
}

/**
 * A sentinel line of `customer` at `time` whose key lands on input `partition`, and whose weir
 * session (keyed by its id: customer, ip|ua and first event time) lands on `sessionPartition` of
 * `weir.sessions`: weir's window stage closes a customer's window once every sessions partition
 * is past it, so each needs a closed session of every customer after the traffic.
 */
function sentinel(customer: string, time: number, partition: number, sessionPartition: number, partitions: number, tag: number): PeerRecord {
  const parser = parserFor('combined', { customer });
  for (let n = 0; ; n++) {
    const ip = `10.${200 + tag}.${Math.floor(n / 250)}.${(n % 250) + 1}`;
    const key = visitorKey(customer, ip, SENTINEL_AGENT);
    if (partitionForKey(Buffer.from(key), partitions) !== partition) continue;
    if (partitionForKey(Buffer.from(sessionIdOf(customer, `${ip}|${SENTINEL_AGENT}`, time)), partitions) !== sessionPartition) continue;
    const line = `${ip} - - [${clfTime(time)}] "GET /weir-bench-sentinel HTTP/1.1" 200 0 "-" "${SENTINEL_AGENT}"`;
    return { key, line, time, customer, event: parsedLine(parser, line, 0) };
  }
}

/** The sentinels of traffic ending at `end`: per customer, input partition and sessions partition, one line at +2 h and one at +3 h. */
export function sentinelsAfter(customers: readonly string[], end: number, partitions: number): PeerRecord[] {
  const sentinels: PeerRecord[] = [];
  for (const [offset, tag] of [[2 * 3_600_000, 0], [3 * 3_600_000, 1]] as const) {
    for (const customer of [...customers].sort()) {
      for (let p = 0; p < partitions; p++) {
        for (let q = 0; q < partitions; q++) sentinels.push(sentinel(customer, end + offset, p, q, partitions, tag));
      }
    }
  }
  return sentinels;
}

/** The simulator writes valid lines only; one that does not parse would be a simulator bug worth hearing of. */
function parsedLine(parser: LogParser, line: string, lineNo: number): RequestEvent {
  const parsed = parser.parseLine(line, lineNo);
  if (!parsed?.ok) throw new Error(`WEIR_PEERS_INPUT: line ${lineNo} does not parse: ${parsed ? parsed.reason : 'blank'}: ${line}`);
  return parsed.event;
}

export function peerInput(options: { minutes: number; customers: number; seed: string; partitions: number }): PeerInput {
  const parsers = new Map<string, LogParser>();
  const traffic: PeerRecord[] = [];
  const lastTime = new Map<string, number>();
  let lineNo = 0;
  for (const simulated of simulateTraffic({ customers: options.customers, durationMs: options.minutes * 60_000, seed: options.seed })) {
    let parser = parsers.get(simulated.customer);
    if (!parser) parsers.set(simulated.customer, (parser = parserFor('combined', { customer: simulated.customer })));
    const event = parsedLine(parser, simulated.line, ++lineNo);
    const { customer, clientIp, userAgent, eventTime } = event;
    traffic.push({ key: visitorKey(customer, clientIp, userAgent), line: simulated.line, time: eventTime, customer, event });
    lastTime.set(customer, Math.max(lastTime.get(customer) ?? 0, eventTime));
  }
  const sentinels = sentinelsAfter([...lastTime.keys()], Math.max(...lastTime.values()), options.partitions);
  return { traffic, sentinels, lastTime };
}

const floorTo = (ms: number, unit: number) => Math.floor(ms / unit) * unit;

/**
 * The peers' last window per customer: a session counts in the window of its session-window time
 * (last event + gap, minus a tick), as Spark's `window_time`.
 */
export function peersLastWindows(input: PeerInput): Map<string, number> {
  return new Map([...input.lastTime].map(([c, t]) => [c, sessionWindowStart(t)]));
}

/** weir's last window per customer: its window stage counts a session in the windows of its records' `lastTime`. */
export function weirLastWindows(input: PeerInput): Map<string, number> {
  return new Map([...input.lastTime].map(([c, t]) => [c, floorTo(t, WINDOW_MS)]));
}

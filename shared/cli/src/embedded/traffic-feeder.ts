import { createSerde, logsTopic, type RequestEvent, type SerdeConfig } from '@weir/contracts';
import { sessionKeyer } from '@weir/features';
import { parserFor, type LogParser } from '@weir/logs';
import type { SimulatedLine, SimulatedSession } from '@weir/simulator';
import type { Bus, BusProducer, OutgoingMessage } from '@weir/stream';

export interface FeederOptions {
  bus: Bus;
  registry: SerdeConfig;
  traffic: Iterator<SimulatedLine>;
  /** Simulated seconds per wall-clock second. */
  speed: number;
  partitions: number;
  /** Most lines sent per tick, so a slow pipeline is fed steadily instead of in floods. */
  maxLinesPerTick?: number;
  onLines?: (customer: string, count: number) => void;
  onRejected?: (customer: string, reason: string) => void;
}

/**
 * Lines parsed, encoded and sent at once. Each slice is spread over every customer's partitions
 * (9 with `weir start`'s defaults), and each stage's batch is what one slice left in a partition:
 * at 1000 lines that was ~110 records a batch, and the stages' per-batch work (checkpoints,
 * commits, one session update per visitor per batch) cost more than the records did. 5000 gives
 * batches of ~550: 1.8x the events/s of `weir start` here.
 */
const SLICE = 5000;

export interface GroundTruth {
  label: 'human' | 'bot';
  family: string;
}

/**
 * Plays simulated traffic into `weir.logs.<customer>` as fast as simulated time passes: each
 * line goes through the same parser and keying ingest applies, so the pipeline sees what it would
 * see from real customers. Remembers each visitor's true label to judge the detections.
 */
export class TrafficFeeder {
  readonly truth = new Map<string, GroundTruth>();
  private readonly parsers = new Map<string, LogParser>();
  private readonly keyOf = sessionKeyer('ip_ua');
  private readonly sessionTruth = new WeakMap<SimulatedSession, { key: string; value: GroundTruth }>();
  private readonly serde;
  private producer: BusProducer | null = null;
  private pending: SimulatedLine | null = null;
  private simulatedStart = 0;
  private wallStart = 0;
  private lineNo = 0;
  private done = false;
  private readonly createdTopics = new Set<string>();
  /** The tick in progress, which close waits for. */
  private ticking: Promise<void> | null = null;
  private closing = false;
  /** Whether the last tick stopped at its line limit with more lines already due. */
  private due = false;
  lines = 0;

  constructor(private readonly options: FeederOptions) {
    this.serde = createSerde<RequestEvent>(options.registry);
  }

  get finished(): boolean {
    return this.done;
  }

  /** True when the last tick left lines whose simulated time has come (it stopped at its limit). */
  get behind(): boolean {
    return this.due;
  }

  /**
   * Sends every line whose simulated time has come; call it on a timer. A call while the last one
   * is still sending does nothing (they would interleave the traffic's lines).
   */
  async tick(wallNow: number): Promise<void> {
    if (this.done || this.closing || this.ticking) return;
    this.ticking = this.send(wallNow).finally(() => (this.ticking = null));
    await this.ticking;
  }

  private async send(wallNow: number): Promise<void> {
    this.producer ??= await this.options.bus.producer();
    if (this.wallStart === 0) {
      const first = this.next();
      if (!first) return;
      this.pending = first;
      this.simulatedStart = first.time;
      this.wallStart = wallNow;
    }
    const until = this.simulatedStart + (wallNow - this.wallStart) * this.options.speed;
    const limit = this.options.maxLinesPerTick ?? 20_000;
    let sent = 0;
    let caughtUp = false;
    while (sent < limit && !caughtUp && !this.closing) {
      const events: Array<{ topic: string; value: RequestEvent }> = [];
      const perCustomer = new Map<string, number>();
      while (events.length < SLICE && sent + events.length < limit) {
        const line = this.pending ?? this.next();
        this.pending = null;
        if (!line) {
          caughtUp = true;
          break;
        }
        if (line.time > until) {
          this.pending = line;
          caughtUp = true;
          break;
        }
        const event = this.parse(line);
        if (event) {
          events.push(event);
          perCustomer.set(line.customer, (perCustomer.get(line.customer) ?? 0) + 1);
        }
      }
      const messages = await this.encode(events);
      if (messages.length > 0) await this.producer.send(messages);
      sent += messages.length;
      this.lines += messages.length;
      for (const [customer, count] of perCustomer) this.options.onLines?.(customer, count);
      // Parsing and encoding thousands of lines is synchronous work: between slices, the rest of
      // the process (the stages, the dashboard's requests) gets its turn.
      await new Promise((resolve) => setImmediate(resolve));
    }
    this.due = !caughtUp && !this.closing;
  }

  async close(): Promise<void> {
    this.closing = true;
    await this.ticking?.catch(() => undefined);
    await this.producer?.close();
  }

  private next(): SimulatedLine | null {
    const step = this.options.traffic.next();
    if (step.done) {
      this.done = true;
      return null;
    }
    return step.value;
  }

  /** The line as ingest would parse it, remembering its visitor's label; null when rejected. */
  private parse(line: SimulatedLine): { topic: string; value: RequestEvent } | null {
    let parser = this.parsers.get(line.customer);
    if (!parser) this.parsers.set(line.customer, (parser = parserFor('combined', { customer: line.customer })));
    const result = parser.parseLine(line.line, ++this.lineNo);
    if (!result) return null;
    if (!result.ok) {
      this.options.onRejected?.(line.customer, result.message);
      return null;
    }
    // Set for every line (the latest session of a visitor wins, as before), with the key and label
    // built once per session: the string's hash is then computed once, not once per line.
    let truth = this.sessionTruth.get(line.sessionRef);
    if (!truth) {
      const { customer, clientIp, userAgent, label, family } = line.sessionRef;
      truth = { key: truthKey(customer, clientIp, userAgent), value: { label: label === 'human' ? 'human' : 'bot', family } };
      this.sessionTruth.set(line.sessionRef, truth);
    }
    this.truth.set(truth.key, truth.value);
    return { topic: logsTopic(line.customer), value: result.event };
  }

  /** A slice's events as messages, keyed as ingest keys them, encoded in one call. */
  private async encode(events: ReadonlyArray<{ topic: string; value: RequestEvent }>): Promise<OutgoingMessage[]> {
    for (const { topic } of events) {
      if (this.createdTopics.has(topic)) continue;
      await this.options.bus.admin.createTopics([{ topic, partitions: this.options.partitions }]);
      this.createdTopics.add(topic);
    }
    const values = await this.serde.encodeMany(events);
    return events.map(({ topic, value }, i) => ({ topic, key: this.keyOf(value), value: values[i]! }));
  }
}

export function truthKey(customer: string, clientIp: string, userAgent: string | null): string {
  return `${customer}\u0000${clientIp}\u0000${userAgent ?? ''}`;
}

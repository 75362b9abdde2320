import type { ScoreLabel, ScoreRecord, WindowSummary } from '@weir/contracts';
import { RateMeter } from './rate-meter.js';
import type { CustomerBaseline, DashboardSnapshot, SuspiciousSession } from './snapshot.js';

export interface DashboardModelOptions {
  histogramBins?: number;
  /** How many sessions the "most suspicious" table lists. */
  topSuspicious?: number;
  /** Sessions remembered for the histogram and the table; the oldest are forgotten first. */
  maxSessions?: number;
  /** Features shown per customer baseline; all when empty. */
  baselineFeatures?: string[];
  featureDefinitions?: Record<string, string>;
  now?: () => number;
}

interface CustomerState {
  events: RateMeter;
  sessions: Set<string>;
}

const emptyLabels = (): Record<ScoreLabel, number> => ({ human: 0, suspicious: 0, bot: 0 });

/**
 * Everything the live page shows, folded from what the pipeline emits. Plain data in, a
 * snapshot out: the web server and the tests use it the same way.
 */
export class DashboardModel {
  private readonly started: number;
  private readonly stages = new Map<string, RateMeter>();
  private readonly customers = new Map<string, CustomerState>();
  /** Latest score per session, in insertion order so the oldest can be evicted. */
  private readonly scores = new Map<string, ScoreRecord>();
  private readonly windows = new Map<string, WindowSummary>();
  private readonly histogram: number[];
  private readonly now: () => number;

  constructor(private readonly options: DashboardModelOptions = {}) {
    this.now = options.now ?? Date.now;
    this.started = this.now();
    this.histogram = new Array<number>(options.histogramBins ?? 20).fill(0);
  }

  /** `count` records went through `stage` (ingest, sessionize, window, score...). */
  recordStage(stage: string, count: number): void {
    let meter = this.stages.get(stage);
    if (!meter) this.stages.set(stage, (meter = new RateMeter()));
    meter.add(count, this.now());
  }

  recordEvents(customer: string, count: number): void {
    this.customer(customer).events.add(count, this.now());
  }

  recordScore(score: ScoreRecord): void {
    if (score.shadow) return;
    const previous = this.scores.get(score.sessionId);
    if (previous) {
      this.histogram[this.bin(previous.score)]!--;
      this.scores.delete(score.sessionId);
    }
    this.scores.set(score.sessionId, score);
    this.histogram[this.bin(score.score)]!++;
    this.customer(score.customer).sessions.add(score.sessionId);
    this.evict();
  }

  recordWindow(summary: WindowSummary): void {
    const current = this.windows.get(summary.customer);
    if (!current || summary.windowStart >= current.windowStart) this.windows.set(summary.customer, summary);
  }

  snapshot(): DashboardSnapshot {
    const now = this.now();
    const labels = emptyLabels();
    const perCustomer = new Map<string, Record<ScoreLabel, number>>();
    for (const score of this.scores.values()) {
      labels[score.label]++;
      let counts = perCustomer.get(score.customer);
      if (!counts) perCustomer.set(score.customer, (counts = emptyLabels()));
      counts[score.label]++;
    }
    return {
      at: now,
      uptimeSeconds: (now - this.started) / 1000,
      stages: [...this.stages].map(([stage, meter]) => ({ stage, total: meter.count, perSecond: meter.perSecond(now) })),
      customers: [...this.customers]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([customer, state]) => ({
          customer,
          events: state.events.count,
          eventsPerSecond: state.events.perSecond(now),
          sessions: state.sessions.size,
          labels: perCustomer.get(customer) ?? emptyLabels(),
        })),
      scoreHistogram: [...this.histogram],
      labels,
      suspicious: this.mostSuspicious(),
      baselines: [...this.windows.values()].sort((a, b) => a.customer.localeCompare(b.customer)).map((w) => this.baseline(w)),
      featureDefinitions: this.options.featureDefinitions ?? {},
    };
  }

  private mostSuspicious(): SuspiciousSession[] {
    const top = [...this.scores.values()]
      .filter((s) => s.label !== 'human')
      .sort((a, b) => b.score - a.score || b.lastTime - a.lastTime)
      .slice(0, this.options.topSuspicious ?? 25);
    return top.map((s) => ({
      customer: s.customer,
      sessionId: s.sessionId,
      clientIp: s.clientIp,
      userAgent: s.userAgent,
      requestCount: s.requestCount,
      score: s.score,
      label: s.label,
      lastTime: s.lastTime,
      closed: s.closed,
      reasons: s.reasons,
    }));
  }

  private baseline(window: WindowSummary): CustomerBaseline {
    const wanted = this.options.baselineFeatures ?? [];
    const names = wanted.length > 0 ? wanted.filter((f) => f in window.features) : Object.keys(window.features).sort();
    return {
      customer: window.customer,
      windowStart: window.windowStart,
      windowEnd: window.windowEnd,
      sessionCount: window.sessionCount,
      features: names.map((feature) => {
        const stats = window.features[feature]!;
        return { feature, median: stats.median, mean: stats.mean, p95: stats.quantiles['0.95'] ?? null };
      }),
    };
  }

  private customer(customer: string): CustomerState {
    let state = this.customers.get(customer);
    if (!state) this.customers.set(customer, (state = { events: new RateMeter(), sessions: new Set() }));
    return state;
  }

  private bin(score: number): number {
    const bins = this.histogram.length;
    return Math.min(bins - 1, Math.max(0, Math.floor(score * bins)));
  }

  private evict(): void {
    const max = this.options.maxSessions ?? 50_000;
    for (const [sessionId, score] of this.scores) {
      if (this.scores.size <= max) break;
      this.scores.delete(sessionId);
      this.histogram[this.bin(score.score)]!--;
    }
  }
}

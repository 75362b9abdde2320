import type { RequestEvent, SessionFeatures, WindowSummary } from '@weir/contracts';
import { Sessionizer, WindowBaseline, type SessionizerConfig, type WindowBaselineConfig } from '@weir/features';
import { WindowTable } from './window-table.js';

export interface OfflineConfig {
  sessionizer?: SessionizerConfig;
  window?: WindowBaselineConfig;
}

/** A closed session with the baseline the score stage compares it with. */
export interface FinalSession {
  session: SessionFeatures;
  baseline: WindowSummary | null;
}

export interface OfflineStats {
  events: number;
  lateEvents: number;
  sessionRecords: number;
  closedSessions: number;
  windowSummaries: number;
}

/**
 * The streaming pipeline's logic in one pass, for files: the sessionize stage's Sessionizer, the
 * window stage's WindowBaseline fed with every session record, and the score stage's join — a
 * closed session meets the final summary of the window holding its last event. The same objects
 * the stages run, in event order, so offline features and scores equal the services' ones.
 */
export class OfflinePipeline {
  private readonly sessionizer: Sessionizer;
  private readonly baseline: WindowBaseline;
  private readonly table = new WindowTable({ retainMs: Infinity, maxWindowsPerCustomer: Infinity });
  private readonly waiting: SessionFeatures[] = [];
  private readonly counts: OfflineStats = { events: 0, lateEvents: 0, sessionRecords: 0, closedSessions: 0, windowSummaries: 0 };

  constructor(config: OfflineConfig = {}) {
    this.sessionizer = new Sessionizer(config.sessionizer ?? {});
    this.baseline = new WindowBaseline(config.window ?? {});
  }

  /** One event in; the sessions that became final out (closed, with their baseline). */
  push(event: RequestEvent): FinalSession[] {
    this.counts.events++;
    const output = this.sessionizer.push(event);
    this.counts.lateEvents += output.late.length;
    return this.sessionRecords(output.records);
  }

  /** End of input: closes every session and window, and returns the sessions still to come. */
  finish(): FinalSession[] {
    const done = this.sessionRecords(this.sessionizer.flush().records);
    this.summaries(this.baseline.flush().summaries);
    done.push(...this.release(true));
    return done;
  }

  stats(): OfflineStats {
    return { ...this.counts };
  }

  private sessionRecords(records: readonly SessionFeatures[]): FinalSession[] {
    for (const record of records) {
      this.counts.sessionRecords++;
      this.summaries(this.baseline.push(record).summaries);
      if (record.closed) {
        this.counts.closedSessions++;
        this.waiting.push(record);
      }
    }
    return this.waiting.length > 0 ? this.release(false) : [];
  }

  private summaries(summaries: readonly WindowSummary[]): void {
    this.counts.windowSummaries += summaries.length;
    for (const summary of summaries) this.table.upsert(summary);
  }

  private release(all: boolean): FinalSession[] {
    const released: FinalSession[] = [];
    let kept = 0;
    for (const session of this.waiting) {
      const baseline = this.table.closedAt(session.customer, session.lastTime);
      if (baseline || all) released.push({ session, baseline: baseline ?? this.table.lookup(session.customer, session.lastTime) });
      else this.waiting[kept++] = session;
    }
    this.waiting.length = kept;
    return released;
  }
}

/** Every final session of a stream of events, in the order they became final. */
export function* finalSessions(events: Iterable<RequestEvent>, config: OfflineConfig = {}): Generator<FinalSession, OfflineStats> {
  const pipeline = new OfflinePipeline(config);
  for (const event of events) yield* pipeline.push(event);
  yield* pipeline.finish();
  return pipeline.stats();
}

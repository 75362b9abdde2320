import type { RequestEvent, SessionFeatures, WindowSummary } from '@weir/contracts';
import { Sessionizer, WindowBaseline, type SessionizerConfig, type WindowBaselineConfig } from '@weir/features';
import { WindowTable } from './window-table.js';

export interface OfflineConfig {
  sessionizer?: SessionizerConfig;
  window?: WindowBaselineConfig;
  /** Told of every session record and window summary as it is made (`weir replay` publishes some). */
  onSessionRecord?: (record: SessionFeatures) => void;
  onWindowSummary?: (summary: WindowSummary) => void;
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
  /** One Sessionizer per input source, as the sessionize stage has one per input partition. */
  private readonly sessionizers = new Map<string, Sessionizer>();
  private readonly baseline: WindowBaseline;
  private readonly table = new WindowTable({ retainMs: Infinity, maxWindowsPerCustomer: Infinity });
  private readonly waiting: SessionFeatures[] = [];
  private readonly counts: OfflineStats = { events: 0, lateEvents: 0, sessionRecords: 0, closedSessions: 0, windowSummaries: 0 };

  constructor(private readonly config: OfflineConfig = {}) {
    this.baseline = new WindowBaseline(config.window ?? {});
  }

  /**
   * One event in; the sessions that became final out (closed, with their baseline). `source` is
   * the input partition the event was read from (`weir replay`): each has a Sessionizer of its own.
   */
  push(event: RequestEvent, source = ''): FinalSession[] {
    this.counts.events++;
    let sessionizer = this.sessionizers.get(source);
    if (!sessionizer) this.sessionizers.set(source, (sessionizer = new Sessionizer(this.config.sessionizer ?? {})));
    const output = sessionizer.push(event);
    this.counts.lateEvents += output.late.length;
    return this.sessionRecords(output.records);
  }

  /** End of input: closes every session and window, and returns the sessions still to come. */
  finish(): FinalSession[] {
    const flushed = [...this.sessionizers.values()].map((sessionizer) => sessionizer.flush().records);
    // Several sources' last sessions in event-time order, as the window stage would meet them live.
    const records = flushed.length === 1 ? flushed[0]! : flushed.flat().sort((a, b) => a.lastTime - b.lastTime);
    const done = this.sessionRecords(records);
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
      this.config.onSessionRecord?.(record);
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
    for (const summary of summaries) {
      this.table.upsert(summary);
      this.config.onWindowSummary?.(summary);
    }
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

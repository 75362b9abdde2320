/**
 * Log files → final sessions, through `OfflinePipeline`: the sessionize stage's Sessionizer, the
 * window stage's WindowBaseline and the score stage's join, in one streaming pass. Every offline
 * command reads its input here, so features, training, evaluation and scoring all see exactly the
 * sessions (and baselines) the services would.
 *
 * One pipeline per customer, like one partition per customer topic in the services: the
 * sessionizer's watermark is per instance, so reading customer B's file after customer A's must
 * not make all of B's events late. Files of one customer go through one pipeline, in the order
 * given (rotated logs: oldest first).
 */
import { unkeyableReason } from '@weir/features';
import { parseLines, ParseSummary, type ParseLinesOptions } from '@weir/logs';
import { OfflinePipeline, type FinalSession, type OfflineStats } from '@weir/pipeline';
import { OfflineError } from './errors.js';
import type { LogSource } from './inputs.js';
import { openLines } from './line-source.js';
import { count, type Progress } from './progress.js';
import type { ResolvedSessionKey } from './session-key.js';

export interface SessionReadOptions {
  format: string;
  sessionKey: ResolvedSessionKey;
  /** IANA zone or UTC offset of the logs' customers, for the night feature. Default UTC. */
  timeZone?: string;
  progress?: Progress;
  /** Rejected lines kept as examples per file. Default 5. */
  examples?: number;
}

export interface SourceResult {
  source: LogSource;
  summary: ParseSummary;
}

/** What reading produced, filled in as the sessions are consumed: read it after the loop. */
export class SessionReading {
  readonly files: SourceResult[] = [];
  readonly stats: OfflineStats = { events: 0, lateEvents: 0, sessionRecords: 0, closedSessions: 0, windowSummaries: 0 };

  constructor(
    private readonly sources: readonly LogSource[],
    private readonly options: SessionReadOptions,
  ) {}

  get lines(): number {
    return this.files.reduce((sum, f) => sum + f.summary.lines, 0);
  }

  get rejected(): number {
    return this.files.reduce((sum, f) => sum + f.summary.rejected, 0);
  }

  /** Every final session (closed, with its baseline), customer by customer. */
  async *sessions(): AsyncGenerator<FinalSession> {
    const byCustomer = new Map<string, LogSource[]>();
    for (const source of this.sources) byCustomer.set(source.customer, [...(byCustomer.get(source.customer) ?? []), source]);
    const timeZone = this.options.timeZone ?? 'UTC';
    let sessions = 0;
    for (const [customer, sources] of byCustomer) {
      const pipeline = new OfflinePipeline({ sessionizer: { sessionKey: this.options.sessionKey.sessionizer, timeZone } });
      for (const source of sources) {
        const summary = new ParseSummary(this.options.examples ?? 5);
        this.files.push({ source, summary });
        const input = openLines(source.path);
        const parse: ParseLinesOptions = { format: source.format ?? this.options.format, customer, summary };
        if (this.options.sessionKey.sessionIdField !== undefined) parse.sessionIdField = this.options.sessionKey.sessionIdField;
        const progress = () => {
          const share = input.size ? ` ${((100 * input.bytesRead()) / input.size).toFixed(0).padStart(3)}% of` : '';
          return `reading${share} ${source.path}: ${count(summary.lines)} lines, ${count(sessions)} sessions`;
        };
        for await (const result of parseLines(input.lines, parse)) {
          if (!result.ok) continue;
          const unkeyable = unkeyableReason(result.event, this.options.sessionKey.sessionizer, '--session-key ');
          if (unkeyable !== null) throw noAddress(source, result.line, unkeyable);
          for (const final of pipeline.push(result.event)) {
            sessions++;
            yield final;
          }
          if ((summary.lines & 0x3fff) === 0) this.options.progress?.update(progress);
        }
      }
      for (const final of pipeline.finish()) {
        sessions++;
        yield final;
      }
      const stats = pipeline.stats();
      for (const key of Object.keys(this.stats) as (keyof OfflineStats)[]) this.stats[key] += stats[key];
    }
    this.options.progress?.end();
  }

  /** Lines, parsed, rejected by reason, and the first rejected lines with their numbers, per file. */
  describe(): string[] {
    const out: string[] = [];
    for (const { source, summary } of this.files) {
      out.push(`${source.path === '-' ? 'stdin' : source.path} (customer ${source.customer}): ${summary.toString()}`);
      for (const rejected of summary.examples) out.push(`  rejected ${rejected.message}`);
      if (summary.rejected > summary.examples.length) out.push(`  ... and ${count(summary.rejected - summary.examples.length)} more rejected`);
    }
    return out;
  }
}

/** The sessionizer would refuse it too; the CLI says where, and how its own flag fixes it. */
function noAddress(source: LogSource, line: number, reason: string): OfflineError {
  return new OfflineError('WEIR_CLI_SESSION_KEY', `${source.path === '-' ? 'stdin' : source.path} line ${line}: ${reason}`);
}

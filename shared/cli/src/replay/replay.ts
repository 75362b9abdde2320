/**
 * A replay: per customer log topic, the records of the range's spans merged in the order they
 * reached Kafka, through the stages' own code (OfflinePipeline: a Sessionizer per input
 * partition as the sessionize stage keeps, the window baseline, the join with final windows) and
 * the score stage's scorer, into the `<NS>.weir.*` topics and a separate index. Customers are
 * replayed one after another: they share no state, and one customer's range is what is held in
 * memory at once.
 */
import { createSerde, customerOfLogsTopic, type RequestEvent, type WindowSummary } from '@weir/contracts';
import type { SessionizerConfig, WindowBaselineConfig } from '@weir/features';
import { OfflinePipeline, scoreRecord, type FinalSession, type Scoring } from '@weir/pipeline';
import type { Bus, ConsumedMessage } from '@weir/stream';
import { OnlineError } from '../online/errors.js';
import type { ReplayOutputs } from './outputs.js';
import { partitionSpans, readSpans } from './partitions.js';
import type { ReplayProgress } from './progress.js';
import { readBounds, sessionInRange, windowInRange, type ReplayRange } from './range.js';

export interface ReplayOptions {
  bus: Bus;
  topics: string[];
  range: ReplayRange;
  sessionizer: SessionizerConfig;
  window: WindowBaselineConfig;
  scoring: Scoring;
  outputs: ReplayOutputs;
  progress: ReplayProgress;
  /** Sessions scored per batch (one forward pass). */
  scoreBatch?: number;
}

export interface ReplaySummary {
  /** Log records read and run through the stages, warm-up and cool-down included. */
  events: number;
  /** Closed sessions ending in the range: published with their final scores. */
  sessions: number;
  scores: number;
  /** Final window summaries starting in the range. */
  windows: number;
  /** Log records that could not be decoded (each printed). */
  undecodable: number;
  lateEvents: number;
}

interface Read {
  message: ConsumedMessage;
  partition: number;
}

export async function replay(options: ReplayOptions): Promise<ReplaySummary> {
  const summary: ReplaySummary = { events: 0, sessions: 0, scores: 0, windows: 0, undecodable: 0, lateEvents: 0 };
  for (const topic of options.topics) await replayTopic(options, topic, summary);
  return summary;
}

async function replayTopic(options: ReplayOptions, topic: string, summary: ReplaySummary): Promise<void> {
  const { bus, range, outputs, progress } = options;
  const spans = (await partitionSpans(bus, topic, readBounds(range))).filter((s) => s.end > s.start);
  if (spans.length === 0) return;

  progress.start(`reading ${topic}`, spans);
  const read: Read[] = [];
  await readSpans(bus, topic, spans, (span, messages) => {
    for (const message of messages) read.push({ message, partition: span.partition });
    progress.advance(span, messages.length);
  });
  progress.finish();
  // The order the records reached Kafka: how the live stage met them, as near as can be known.
  read.sort((a, b) => a.message.timestamp - b.message.timestamp || a.partition - b.partition || a.message.offset - b.message.offset);

  const customer = customerOfLogsTopic(topic);
  const serde = createSerde<RequestEvent>();
  const finals: FinalSession[] = [];
  const pipeline = new OfflinePipeline({
    sessionizer: options.sessionizer,
    window: options.window,
    onWindowSummary: (window: WindowSummary) => {
      if (!window.closed || !windowInRange(range, window)) return;
      summary.windows++;
      outputs.window(window);
    },
  });
  const batch = options.scoreBatch ?? 256;
  const scoreFinals = async (all: boolean) => {
    if (finals.length < batch && !(all && finals.length > 0)) return;
    const ready = finals.splice(0).filter(({ session }) => sessionInRange(range, session));
    if (ready.length === 0) return;
    const scorer = options.scoring.scorer();
    const results = scorer.scoreBatch(ready, options.scoring.thresholds);
    const scoredAt = Date.now();
    for (let i = 0; i < ready.length; i++) {
      outputs.session(ready[i]!.session);
      await outputs.score(scoreRecord(ready[i]!, results[i]!, { modelVersion: scorer.version, shadow: false, scoredAt }));
    }
    summary.sessions += ready.length;
    summary.scores += ready.length;
  };

  progress.start(`replaying ${topic}`, spans);
  for (const { message, partition } of read) {
    progress.advance({ topic, partition }, 1);
    if (message.value === null) continue;
    let event: RequestEvent;
    try {
      event = await serde.decode(topic, message.value);
    } catch (err) {
      summary.undecodable++;
      console.error(`weir replay: ${topic}[${partition}]@${message.offset} cannot be decoded, skipped: ${err instanceof Error ? err.message : String(err)}`);
      continue;
    }
    if (customer !== null && event.customer !== customer) {
      throw new OnlineError('WEIR_CLI_TOPIC', `${topic}[${partition}]@${message.offset} is an event of customer ${event.customer}`);
    }
    summary.events++;
    finals.push(...pipeline.push(event, String(partition)));
    await scoreFinals(false);
  }
  finals.push(...pipeline.finish());
  await scoreFinals(true);
  summary.lateEvents += pipeline.stats().lateEvents;
  await outputs.flush();
  progress.finish();
}

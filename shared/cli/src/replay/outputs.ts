/**
 * Where a replay's results go: the `<NS>.weir.*` topics (framed like the live ones, under the
 * schemas of the plain names) and, when Elasticsearch is configured, daily indices of a prefix of
 * their own — never the live topics or index.
 */
import { SCORES_TOPIC, SESSIONS_TOPIC, WINDOWS_TOPIC, type ScoreRecord, type SessionFeatures, type WindowSummary } from '@weir/contracts';
import { ensurePipelineTopics, namespacedSerde, topicIn, windowKey } from '@weir/pipeline';
import { openScoreSink, type EsSinkConfig } from '@weir/score';
import type { Bus, BusProducer, OutgoingMessage } from '@weir/stream';
import { OnlineError } from '../online/errors.js';

const SEND_CHUNK = 500;

export interface ReplayOutputs {
  session(record: SessionFeatures): void;
  window(summary: WindowSummary): void;
  score(record: ScoreRecord): Promise<void>;
  /** Sends what is buffered and waits for Elasticsearch. */
  flush(): Promise<void>;
  close(): Promise<void>;
  /** Documents Elasticsearch refused (each also printed). */
  readonly esRejected: number;
}

export async function openReplayOutputs(bus: Bus, namespace: string, es: EsSinkConfig | null): Promise<ReplayOutputs> {
  await ensurePipelineTopics(bus, { namespace });
  const topics = { sessions: topicIn(namespace, SESSIONS_TOPIC), windows: topicIn(namespace, WINDOWS_TOPIC), scores: topicIn(namespace, SCORES_TOPIC) };
  const sessionSerde = namespacedSerde<SessionFeatures>(namespace);
  const windowSerde = namespacedSerde<WindowSummary>(namespace);
  const scoreSerde = namespacedSerde<ScoreRecord>(namespace);
  const producer: BusProducer = await bus.producer();
  let rejected = 0;
  const sink = es
    ? await openScoreSink({
        config: es,
        deadLetter: (record, reason) => {
          rejected++;
          console.error(`weir replay: Elasticsearch refused the score of session ${record.sessionId}: ${reason.message}`);
        },
      })
    : null;
  let pending: Array<Promise<OutgoingMessage>> = [];

  async function send(): Promise<void> {
    const messages = await Promise.all(pending);
    pending = [];
    for (let i = 0; i < messages.length; i += SEND_CHUNK) await producer.send(messages.slice(i, i + SEND_CHUNK));
  }
  const queue = (message: Promise<OutgoingMessage>) => {
    // Handled here so a failed encoding waits for send() to report it, not the process to crash.
    message.catch(() => undefined);
    pending.push(message);
  };

  return {
    // Keyed by session, as the live sessionize stage keys weir.sessions.
    session(record) {
      queue(sessionSerde.encode(topics.sessions, record).then((value) => ({ topic: topics.sessions, key: record.sessionId, value })));
    },
    window(summary) {
      queue(windowSerde.encode(topics.windows, summary).then((value) => ({ topic: topics.windows, key: windowKey(summary), value })));
    },
    async score(record) {
      queue(scoreSerde.encode(topics.scores, record).then((value) => ({ topic: topics.scores, key: record.sessionId, value })));
      await sink?.write(record);
      if (pending.length >= SEND_CHUNK * 4) await send();
    },
    async flush() {
      await send();
      await sink?.flush();
    },
    async close() {
      try {
        await send();
        await sink?.close();
      } finally {
        await producer.close();
      }
      if (rejected > 0) throw new OnlineError('WEIR_CLI_ES', `Elasticsearch refused ${rejected} score documents (printed above)`);
    },
    get esRejected() {
      return rejected;
    },
  };
}

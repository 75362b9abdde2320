import { SCORES_TOPIC, createSerde, topicSchema, type ScoreRecord } from '@weir/contracts';
import { runStage, stageSerde, type Bus, type Logger, type OutputRecord, type StageMetrics } from '@weir/stream';
import { esSinkConfigFromEnv, openScoreSink, type DeadLetterReason } from './elasticsearch/index.js';

export const ES_DEAD_LETTER_TOPIC = 'weir.scores.es-dlq';

/** Dead-lettered scores keep the score record's schema; the topic name alone is new. */
const schemaOf = (topic: string) => topicSchema(topic === ES_DEAD_LETTER_TOPIC ? SCORES_TOPIC : topic);

export interface ElasticsearchWriterOptions {
  bus: Bus;
  signal: AbortSignal;
  logger: Logger;
  metrics: StageMetrics;
  groupId: string;
}

/**
 * Copies `weir.scores` into Elasticsearch with its own consumer group. A batch's offsets are
 * committed only after the sink has flushed it, so a crash re-sends scores (the document ids make
 * that harmless) and never loses one. Documents Elasticsearch refuses go to `weir.scores.es-dlq`,
 * with ES's reason in the `weir.es.reason` header.
 */
export async function runElasticsearchWriter(options: ElasticsearchWriterOptions): Promise<void> {
  const rejected: Array<{ record: ScoreRecord; reason: DeadLetterReason }> = [];
  const sink = await openScoreSink({
    config: esSinkConfigFromEnv(),
    deadLetter: (record, reason) => void rejected.push({ record, reason }),
  });
  try {
    await runStage({
      bus: options.bus,
      groupId: `${options.groupId}-es`,
      input: [SCORES_TOPIC],
      signal: options.signal,
      handleSignals: false,
      logger: options.logger,
      metrics: options.metrics,
      serde: stageSerde(createSerde<ScoreRecord>(undefined, { schemaOf }), createSerde<ScoreRecord>(undefined, { schemaOf })),
      stage: {
        name: 'score-elasticsearch',
        async process(records) {
          for (const record of records) await sink.write(record.value);
          await sink.flush();
          const outputs: OutputRecord<ScoreRecord>[] = rejected.splice(0).map(({ record, reason }) => ({
            topic: ES_DEAD_LETTER_TOPIC,
            key: record.sessionId,
            value: record,
            headers: { 'weir.es.reason': reason.message, 'weir.es.kind': reason.kind },
          }));
          if (outputs.length > 0) options.logger.warn({ count: outputs.length }, 'scores refused by Elasticsearch sent to the dead-letter topic');
          return outputs;
        },
      },
    });
  } finally {
    await sink.close();
  }
}

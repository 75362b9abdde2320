/**
 * `weir.scores` copied into Elasticsearch by a consumer group of its own (`<group>-es`, so the
 * copy can lag or be replayed without touching the score stage). A batch's offsets are committed
 * only after the sink has flushed it: a crash re-sends scores (document ids and versions make that
 * harmless) and never loses one. Documents Elasticsearch refuses go to `weir.scores.es-dlq`, the
 * score record as it was, with ES's reason in the `weir.es.reason` header.
 */
import { topicIn } from '@weir/pipeline';
import { SCORES_TOPIC, type ScoreRecord } from '@weir/contracts';
import { runnerContext, type StageRunContext } from '@weir/service';
import { runStage, stageSerde, type OutputRecord, type StageMetrics } from '@weir/stream';
import type { ScoreConfig } from './config.js';
import { openScoreSink, type DeadLetterReason, type EsSinkConfig } from './elasticsearch/index.js';
import { ES_DEAD_LETTER_TOPIC, scoreTopicsSerde } from './topics.js';

export interface ElasticsearchCopyOptions {
  config: ScoreConfig;
  sink: EsSinkConfig;
  context: StageRunContext;
  /** Its own stage metrics (`stage="score-elasticsearch"`), apart from the score stage's. */
  metrics: StageMetrics;
}

export async function runElasticsearchCopy({ config, sink: sinkConfig, context, metrics }: ElasticsearchCopyOptions): Promise<void> {
  const { bus, logger } = context;
  const scores = topicIn(config.namespace, SCORES_TOPIC);
  const deadLetters = topicIn(config.namespace, ES_DEAD_LETTER_TOPIC);
  await bus.admin.createTopics([{ topic: deadLetters, partitions: 1 }]);
  const serde = scoreTopicsSerde<ScoreRecord>(config.namespace);
  const rejected: Array<{ record: ScoreRecord; reason: DeadLetterReason }> = [];
  const sink = await openScoreSink({ config: sinkConfig, deadLetter: (record, reason) => void rejected.push({ record, reason }) });
  try {
    await runStage({
      ...runnerContext(context),
      metrics,
      groupId: `${config.groupId}-es`,
      input: [scores],
      // One sink for the whole process: a flush covers every partition's writes, and the dead
      // letters it reports must be produced with the batch that wrote them, before its commit.
      concurrency: 1,
      serde: stageSerde(serde, serde),
      stage: {
        name: 'score-elasticsearch',
        async process(records) {
          // Left by an attempt that failed (ES unavailable, retried by the runner): written again below.
          rejected.length = 0;
          for (const record of records) await sink.write(record.value);
          await sink.flush();
          const outputs: OutputRecord<ScoreRecord>[] = rejected.splice(0).map(({ record, reason }) => ({
            topic: deadLetters,
            key: record.sessionId,
            value: record,
            headers: { 'weir.es.reason': reason.message, 'weir.es.kind': reason.kind },
          }));
          if (outputs.length > 0) logger.warn({ count: outputs.length, code: 'WEIR_ES_DEAD_LETTER' }, 'scores refused by Elasticsearch sent to the dead-letter topic');
          return outputs;
        },
      },
    });
  } finally {
    await sink.close();
  }
}

/** Which schema each known topic carries, so callers encode by topic without naming schemas. */
import { ContractError } from './errors.js';
import type { RequestEvent, ScoreRecord, SessionFeatures, WindowPartial, WindowSummary } from './records.js';
import { requestEventSchema, scoreRecordSchema, sessionFeaturesSchema, windowPartialSchema, windowSummarySchema } from './schemas.js';
import { LOGS_TOPIC_PATTERN, SCORES_TOPIC, SESSIONS_TOPIC, WINDOW_PARTIALS_TOPIC, WINDOWS_TOPIC } from './topics.js';

export type WeirRecord = RequestEvent | SessionFeatures | WindowSummary | WindowPartial | ScoreRecord;

/** The record type a topic name carries, at the type level: `TopicRecord<'weir.sessions'>` is `SessionFeatures`. */
export type TopicRecord<Topic extends string> = Topic extends `weir.logs.${string}`
  ? RequestEvent
  : Topic extends typeof SESSIONS_TOPIC
    ? SessionFeatures
    : Topic extends typeof WINDOWS_TOPIC
      ? WindowSummary
      : Topic extends typeof SCORES_TOPIC
        ? ScoreRecord
        : Topic extends typeof WINDOW_PARTIALS_TOPIC
          ? WindowPartial
          : never;

export type RecordSchema =
  | typeof requestEventSchema
  | typeof sessionFeaturesSchema
  | typeof windowSummarySchema
  | typeof windowPartialSchema
  | typeof scoreRecordSchema;

/** Maps a topic to the value schema its records are written with. */
export type TopicSchemaMap = (topic: string) => object;

const fixedTopics: ReadonlyMap<string, RecordSchema> = new Map<string, RecordSchema>([
  [SESSIONS_TOPIC, sessionFeaturesSchema],
  [WINDOWS_TOPIC, windowSummarySchema],
  [WINDOW_PARTIALS_TOPIC, windowPartialSchema],
  [SCORES_TOPIC, scoreRecordSchema],
]);

/** The value schema of a weir topic; WEIR_TOPIC_UNKNOWN for any other topic. */
export function topicSchema(topic: string): RecordSchema {
  if (LOGS_TOPIC_PATTERN.test(topic)) return requestEventSchema;
  const schema = fixedTopics.get(topic);
  if (!schema) {
    throw new ContractError(
      'WEIR_TOPIC_UNKNOWN',
      `no schema for topic "${topic}": known are weir.logs.<customer>, ${[...fixedTopics.keys()].join(', ')}`,
    );
  }
  return schema;
}

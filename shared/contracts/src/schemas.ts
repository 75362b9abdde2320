/**
 * Avro schemas of every topic's values. Subjects follow TopicNameStrategy (`<topic>-value`);
 * compatibility is BACKWARD, so a change may only add fields with defaults or drop fields.
 */
import type { Schema } from 'avsc';

const optional = (type: Schema) => ({ type: ['null', type], default: null });
const timestamp = { type: 'long', logicalType: 'timestamp-millis' } as const;

export const requestEventSchema = {
  type: 'record',
  name: 'RequestEvent',
  namespace: 'io.weir',
  doc: 'One normalised HTTP request of one customer.',
  fields: [
    { name: 'customer', type: 'string' },
    { name: 'eventTime', type: timestamp },
    { name: 'clientIp', type: 'string' },
    { name: 'userAgent', ...optional('string') },
    { name: 'method', type: 'string' },
    { name: 'path', type: 'string' },
    { name: 'query', ...optional('string') },
    { name: 'protocol', ...optional('string') },
    { name: 'status', type: 'int' },
    { name: 'bytes', type: 'long' },
    { name: 'referrer', ...optional('string') },
    { name: 'host', ...optional('string') },
    { name: 'sessionId', ...optional('string') },
    { name: 'requestTimeMs', ...optional('double') },
    { name: 'extra', type: { type: 'map', values: 'string' }, default: {} },
    // Last, with a default: BACKWARD compatible with the schema before it.
    {
      name: 'unlogged',
      doc: 'Fields the log format of this line does not record (referrer, bytes, userAgent): unknown, not absent.',
      type: { type: 'array', items: 'string' },
      default: [],
    },
  ],
} as const;

export const sessionFeaturesSchema = {
  type: 'record',
  name: 'SessionFeatures',
  namespace: 'io.weir',
  doc: "A visitor session's behavioural features so far.",
  fields: [
    { name: 'customer', type: 'string' },
    { name: 'sessionId', type: 'string' },
    { name: 'sessionKey', type: 'string' },
    { name: 'clientIp', type: 'string' },
    { name: 'userAgent', ...optional('string') },
    { name: 'firstTime', type: timestamp },
    { name: 'lastTime', type: timestamp },
    { name: 'requestCount', type: 'long' },
    { name: 'closed', type: 'boolean' },
    { name: 'featureSet', type: 'string' },
    { name: 'features', type: { type: 'map', values: 'double' } },
    // Last, with a default: BACKWARD compatible with the schema before it.
    { name: 'closeReason', ...optional('string') },
  ],
} as const;

const featureStatsSchema = {
  type: 'record',
  name: 'FeatureStats',
  namespace: 'io.weir',
  fields: [
    { name: 'count', type: 'long' },
    { name: 'mean', type: 'double' },
    { name: 'variance', type: 'double' },
    { name: 'min', type: 'double' },
    { name: 'max', type: 'double' },
    { name: 'median', type: 'double' },
    { name: 'mad', type: 'double' },
    { name: 'quantiles', type: { type: 'map', values: 'double' } },
  ],
} as const;

export const windowSummarySchema = {
  type: 'record',
  name: 'WindowSummary',
  namespace: 'io.weir',
  doc: "A customer's feature baseline over one time window.",
  fields: [
    { name: 'customer', type: 'string' },
    { name: 'windowStart', type: timestamp },
    { name: 'windowEnd', type: timestamp },
    { name: 'sessionCount', type: 'long' },
    { name: 'closed', type: 'boolean' },
    { name: 'featureSet', type: 'string' },
    { name: 'features', type: { type: 'map', values: featureStatsSchema } },
  ],
} as const;

const featureAggregateSchema = {
  type: 'record',
  name: 'FeatureAggregate',
  namespace: 'io.weir',
  doc: 'One feature over some sessions, in mergeable form: exact sums as partials, min, max and DDSketch bins.',
  fields: [
    { name: 'n', type: 'long' },
    { name: 'sum', type: { type: 'array', items: 'double' } },
    { name: 'sumSq', type: { type: 'array', items: 'double' } },
    { name: 'min', type: 'double' },
    { name: 'max', type: 'double' },
    { name: 'accuracy', type: 'double' },
    { name: 'zero', type: 'double' },
    { name: 'positive', type: { type: 'array', items: 'double' } },
    { name: 'negative', type: { type: 'array', items: 'double' } },
  ],
} as const;

export const windowPartialSchema = {
  type: 'record',
  name: 'WindowPartial',
  namespace: 'io.weir',
  doc: "One weir.sessions partition's share of a customer's window (kind window), or how far that partition has been read (kind progress).",
  fields: [
    { name: 'kind', type: { type: 'enum', name: 'WindowPartialKind', symbols: ['window', 'progress'] } },
    { name: 'partition', type: 'int' },
    { name: 'partitions', type: 'int' },
    { name: 'at', ...optional(timestamp) },
    { name: 'watermark', type: 'long' },
    { name: 'customer', type: 'string' },
    { name: 'windowStart', type: timestamp },
    { name: 'windowEnd', type: timestamp },
    { name: 'sessionCount', type: 'long' },
    { name: 'closed', type: 'boolean' },
    { name: 'featureSet', type: 'string' },
    { name: 'aggregates', type: { type: 'array', items: featureAggregateSchema } },
  ],
} as const;

const scoreReasonSchema = {
  type: 'record',
  name: 'ScoreReason',
  namespace: 'io.weir',
  fields: [
    { name: 'feature', type: 'string' },
    { name: 'value', type: 'double' },
    { name: 'baselineMedian', ...optional('double') },
    { name: 'robustZ', ...optional('double') },
    { name: 'contribution', type: 'double' },
  ],
} as const;

export const scoreRecordSchema = {
  type: 'record',
  name: 'ScoreRecord',
  namespace: 'io.weir',
  doc: "A session's bot score with the reasons behind it.",
  fields: [
    { name: 'customer', type: 'string' },
    { name: 'sessionId', type: 'string' },
    { name: 'sessionKey', type: 'string' },
    { name: 'clientIp', type: 'string' },
    { name: 'userAgent', ...optional('string') },
    { name: 'firstTime', type: timestamp },
    { name: 'lastTime', type: timestamp },
    { name: 'requestCount', type: 'long' },
    { name: 'closed', type: 'boolean' },
    { name: 'score', type: 'double' },
    { name: 'label', type: { type: 'enum', name: 'ScoreLabel', symbols: ['human', 'suspicious', 'bot'], default: 'suspicious' } },
    { name: 'modelVersion', type: 'string' },
    { name: 'shadow', type: 'boolean', default: false },
    { name: 'windowStart', ...optional(timestamp) },
    { name: 'reasons', type: { type: 'array', items: scoreReasonSchema } },
    { name: 'scoredAt', type: timestamp },
  ],
} as const;

/**
 * The score service's Elasticsearch sink: every ScoreRecord, one document per session, in
 * bulk. `openScoreSink` is what the service calls at start; the rest is exported for tests and tools.
 *
 *   const sink = await openScoreSink({ config: esSinkConfigFromEnv(), deadLetter, onMetrics });
 *   await sink.write(score);   // per record
 *   await sink.flush();        // before committing the Kafka offsets of what was written
 *   await sink.close();        // at shutdown
 */
import type { Client } from '@elastic/elasticsearch';
import { BulkSink, type DeadLetter, type SinkMetrics } from './bulk-sink.js';
import { createEsClient, sinkClientOf, type SinkClient } from './client.js';
import type { EsSinkConfig } from './config.js';
import { installIndexTemplate } from './install-template.js';

export { BulkSink, type BulkSinkOptions, type DeadLetter, type DeadLetterReason, type SinkMetrics } from './bulk-sink.js';
export { bulkOutcomes, describeEsError, type ItemOutcome } from './bulk-response.js';
export { createEsClient, esClientOptions, sinkClientOf, type SinkClient } from './client.js';
export { esEnv, esSinkConfigFromEnv, parseByteSize, type EsSinkConfig, type EsConnection, type EsAuth } from './config.js';
export {
  bulkLines,
  documentIdOf,
  documentVersionOf,
  scoreDocument,
  scoreDocumentAction,
  ECS_VERSION,
  VERSION_TYPE,
  type ScoreDocument,
  type ScoreDocumentAction,
  type ScoreReasonDocument,
} from './document.js';
export { EsSinkError, isEsSinkError, type EsSinkErrorCode } from './errors.js';
export { indexDay, indexNameFor, indexPatternOf, readAliasOf } from './index-name.js';
export { scoreIndexTemplate, templateNameOf, SCORE_MAPPINGS, TEMPLATE_VERSION, type IndexTemplateBody } from './index-template.js';
export { installIndexTemplate } from './install-template.js';
export { isRetryableError, isRetryableStatus, DEFAULT_RETRY_POLICY, type EsRetryPolicy } from './transient.js';

export interface OpenScoreSinkOptions {
  config: EsSinkConfig;
  deadLetter: DeadLetter;
  onMetrics?: (metrics: SinkMetrics) => void;
  /** Told about each retry of the template install (the sink's own retries show in its metrics). */
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
  /** A client to use instead of one made from `config.connection`; the caller closes it. */
  client?: SinkClient;
}

/**
 * Installs the index template (retrying while ES is unreachable, up to the retry policy), then
 * returns the sink. Its close() also closes the client made here.
 */
export async function openScoreSink(options: OpenScoreSinkOptions): Promise<BulkSink> {
  const { config } = options;
  let owned: Client | null = null;
  let client: SinkClient;
  if (options.client !== undefined) {
    client = options.client;
  } else {
    owned = createEsClient(config.connection);
    client = sinkClientOf(owned);
  }
  const release = async (): Promise<void> => {
    await owned?.close();
  };
  try {
    await installIndexTemplate(client, { indexPrefix: config.indexPrefix, ...config.template }, config.retry, options.onRetry);
  } catch (err) {
    await release();
    throw err;
  }
  return new BulkSink({
    client,
    indexPrefix: config.indexPrefix,
    batch: config.batch,
    retry: config.retry,
    deadLetter: options.deadLetter,
    ...(options.onMetrics === undefined ? {} : { onMetrics: options.onMetrics }),
    release,
  });
}

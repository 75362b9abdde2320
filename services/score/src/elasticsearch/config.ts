/**
 * The sink's settings from the environment, checked at start-up (every problem at once, as a
 * StreamError WEIR_CONFIG):
 *
 *   ELASTICSEARCH_URL            http(s)://host:port, comma-separated          required
 *   ELASTICSEARCH_USERNAME, ELASTICSEARCH_PASSWORD   basic auth (both or neither)
 *   ELASTICSEARCH_API_KEY        base64 "id:api_key", instead of basic auth
 *   ELASTICSEARCH_CA_FILE        PEM file of the CA that signed the nodes' certificates (https only)
 *   ELASTICSEARCH_REQUEST_TIMEOUT  30s
 *   WEIR_ES_INDEX_PREFIX         weir-scores   (indices <prefix>-yyyy.MM.dd, alias <prefix>)
 *   WEIR_ES_BATCH_DOCS           500           a bulk request holds at most this many documents
 *   WEIR_ES_BATCH_BYTES          5mb           ... and at most this much NDJSON (one larger document goes alone)
 *   WEIR_ES_FLUSH_INTERVAL       1s            a document waits at most this long for its batch to fill
 *   WEIR_ES_QUEUE_DOCS           4 × batch     documents held (buffered + in flight) before write() waits
 *   WEIR_ES_RETRY_ATTEMPTS       8             attempts per document, the first included
 *   WEIR_ES_RETRY_BASE_DELAY     200ms         first backoff, doubled per retry, with jitter
 *   WEIR_ES_RETRY_MAX_DELAY      30s
 *   WEIR_ES_SHARDS               1             primary shards per daily index
 *   WEIR_ES_REPLICAS             1             0 on a single-node cluster keeps it green
 *   WEIR_ES_ILM_POLICY           (none)        an existing ILM policy the daily indices are put under
 */
import { readFileSync } from 'node:fs';
import { env, EnvVar, parseEnv } from '@weir/stream';
import { INDEX_PREFIX_PATTERN } from './index-name.js';
import type { EsRetryPolicy } from './transient.js';

export type EsAuth = { kind: 'basic'; username: string; password: string } | { kind: 'api-key'; apiKey: string };

export interface EsConnection {
  nodes: string[];
  auth: EsAuth | null;
  /** PEM bytes of the CA to trust, or null for the system's CAs. */
  ca: Buffer | null;
  requestTimeoutMs: number;
}

export interface BatchSettings {
  maxDocs: number;
  maxBytes: number;
  flushIntervalMs: number;
  /** Documents held, buffered and in flight, before write() waits: the back-pressure bound. */
  queueDocs: number;
}

export interface TemplateSettings {
  shards: number;
  replicas: number;
  ilmPolicy: string | null;
}

export interface EsSinkConfig {
  connection: EsConnection;
  indexPrefix: string;
  batch: BatchSettings;
  retry: EsRetryPolicy;
  template: TemplateSettings;
}

const SIZE = /^(\d+)\s*(b|kb|mb|gb)?$/i;
const SIZE_UNITS: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 };

/** `5mb`, `512kb`, `1048576` → bytes (binary units: what ES's own `http.max_content_length` means by mb). */
export function parseByteSize(raw: string): { ok: true; value: number } | { ok: false; problem: string } {
  const match = SIZE.exec(raw.trim());
  if (!match) return { ok: false, problem: 'expected a size such as 512kb, 5mb or a number of bytes' };
  const bytes = Number(match[1]) * SIZE_UNITS[(match[2] ?? 'b').toLowerCase()]!;
  return bytes >= 1024 ? { ok: true, value: bytes } : { ok: false, problem: 'must be at least 1kb' };
}

const NODE_URL = /^https?:\/\/[^\s,]+$/;

export const esEnv = {
  urls: env.list('ELASTICSEARCH_URL', { item: NODE_URL, expected: 'http(s)://host:port, comma-separated' }).describe('Elasticsearch nodes: when set, scores are also indexed there (the WEIR_ES_* and ELASTICSEARCH_* variables then apply)'),
  username: env.string('ELASTICSEARCH_USERNAME').optional().describe('Elasticsearch basic-auth user, with ELASTICSEARCH_PASSWORD'),
  password: env.string('ELASTICSEARCH_PASSWORD').optional().describe('Elasticsearch basic-auth password, with ELASTICSEARCH_USERNAME'),
  apiKey: env.string('ELASTICSEARCH_API_KEY', { expected: 'a base64 encoded "id:api_key"' }).optional().describe('Elasticsearch API key, instead of basic auth'),
  caFile: env.string('ELASTICSEARCH_CA_FILE', { expected: 'path of a PEM file' }).optional().describe('CA certificate (PEM) that signed the Elasticsearch node certificates (https only)'),
  requestTimeout: env.duration('ELASTICSEARCH_REQUEST_TIMEOUT', { min: '1s', max: '10m' }).default('30s').describe('Elasticsearch request timeout'),
  indexPrefix: env
    .string('WEIR_ES_INDEX_PREFIX', { pattern: INDEX_PREFIX_PATTERN, expected: 'lower-case letters, digits, . _ -, not starting with . _ -' })
    .default('weir-scores').describe('Daily indices <prefix>-yyyy.MM.dd behind the alias <prefix>'),
  batchDocs: env.int('WEIR_ES_BATCH_DOCS', { min: 1, max: 100_000 }).default(500).describe('Most documents in one bulk request'),
  batchBytes: EnvVar.of('WEIR_ES_BATCH_BYTES', 'a size such as 512kb or 5mb', parseByteSize).default('5mb').describe('Most NDJSON bytes in one bulk request (one larger document goes alone)'),
  flushInterval: env.duration('WEIR_ES_FLUSH_INTERVAL', { min: '1ms', max: '5m' }).default('1s').describe('Longest a document waits for its bulk request to fill'),
  queueDocs: env.int('WEIR_ES_QUEUE_DOCS', { min: 1 }).optional().describe('Documents held, buffered and in flight, before scoring waits (unset: 4 × WEIR_ES_BATCH_DOCS)'),
  retryAttempts: env.int('WEIR_ES_RETRY_ATTEMPTS', { min: 1, max: 100 }).default(8).describe('Attempts per document, the first included'),
  retryBaseDelay: env.duration('WEIR_ES_RETRY_BASE_DELAY', { min: '1ms' }).default('200ms').describe('First retry backoff, doubled per retry, with jitter'),
  retryMaxDelay: env.duration('WEIR_ES_RETRY_MAX_DELAY', { min: '1ms' }).default('30s').describe('Longest retry backoff'),
  shards: env.int('WEIR_ES_SHARDS', { min: 1, max: 1024 }).default(1).describe('Primary shards per daily index'),
  replicas: env.int('WEIR_ES_REPLICAS', { min: 0, max: 16 }).default(1).describe('Replicas per daily index (0 keeps a single-node cluster green)'),
  ilmPolicy: env.string('WEIR_ES_ILM_POLICY', { pattern: /^[^\s,*?"<>|\\/]+$/, expected: 'an ILM policy name' }).optional().describe('Existing ILM policy the daily indices are put under'),
};

export type FileReader = (path: string) => Buffer;

/**
 * Reads and checks the sink's settings; throws a WEIR_CONFIG StreamError listing every problem.
 * The CA file is read here, so a wrong path fails at start-up, not at the first bulk request.
 */
export function esSinkConfigFromEnv(source: NodeJS.ProcessEnv = process.env, readFile: FileReader = readFileSync): EsSinkConfig {
  const { values: v, problems, valid } = parseEnv(esEnv, source);

  let auth: EsAuth | null = null;
  if ((v.username === undefined) !== (v.password === undefined)) {
    problems.push('ELASTICSEARCH_USERNAME and ELASTICSEARCH_PASSWORD go together: set both or neither');
  } else if (v.username !== undefined && v.password !== undefined) {
    auth = { kind: 'basic', username: v.username, password: v.password };
  }
  if (v.apiKey !== undefined) {
    if (auth !== null) problems.push('set ELASTICSEARCH_API_KEY or ELASTICSEARCH_USERNAME/PASSWORD, not both');
    auth = { kind: 'api-key', apiKey: v.apiKey };
  }

  let ca: Buffer | null = null;
  if (v.caFile !== undefined) {
    if (v.urls !== undefined && !v.urls.some((url) => url.startsWith('https:'))) {
      problems.push('ELASTICSEARCH_CA_FILE is set but no ELASTICSEARCH_URL node is https');
    }
    try {
      ca = readFile(v.caFile);
    } catch (err) {
      problems.push(`ELASTICSEARCH_CA_FILE=${JSON.stringify(v.caFile)} cannot be read: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  const queueDocs = v.queueDocs ?? (v.batchDocs === undefined ? undefined : 4 * v.batchDocs);
  if (queueDocs !== undefined && v.batchDocs !== undefined && queueDocs < v.batchDocs) {
    problems.push(`WEIR_ES_QUEUE_DOCS (${queueDocs}) must be at least WEIR_ES_BATCH_DOCS (${v.batchDocs}): a batch could never fill`);
  }
  if (v.retryBaseDelay !== undefined && v.retryMaxDelay !== undefined && v.retryMaxDelay < v.retryBaseDelay) {
    problems.push('WEIR_ES_RETRY_MAX_DELAY must be at least WEIR_ES_RETRY_BASE_DELAY');
  }

  const c = valid();
  return {
    connection: { nodes: c.urls, auth, ca, requestTimeoutMs: c.requestTimeout },
    indexPrefix: c.indexPrefix,
    batch: { maxDocs: c.batchDocs, maxBytes: c.batchBytes, flushIntervalMs: c.flushInterval, queueDocs: c.queueDocs ?? 4 * c.batchDocs },
    retry: { maxAttempts: c.retryAttempts, baseDelayMs: c.retryBaseDelay, maxDelayMs: c.retryMaxDelay },
    template: { shards: c.shards, replicas: c.replicas, ilmPolicy: c.ilmPolicy ?? null },
  };
}

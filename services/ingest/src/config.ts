/**
 * The ingest service's configuration, from the environment, checked at start-up: every problem
 * (ours, the bus's, the keys') is reported at once in one WEIR_CONFIG error.
 *
 * The bus variables (WEIR_BUS, KAFKA_*) are the stream package's (`busConfigFromEnv`), the
 * registry's (SCHEMA_REGISTRY_URL, _USERNAME, _PASSWORD) the contracts package's.
 */
import { readFileSync } from 'node:fs';
import { serdeConfigFromEnv, type SerdeConfig } from '@weir/contracts';
import { httpEnv, registryEnv } from '@weir/service';
import { mergeKeyTables, parseKeyFile, parseKeyList, type KeyTable } from './api-keys.js';
import { isSessionKeySpec, type SessionKeySpec } from './session-key.js';
import { busConfigFromEnv, configError, env, isStreamError, parseEnv, type BusConfig } from '@weir/stream';

export const ingestEnv = {
  ...httpEnv(8080),
  apiKeys: env.string('WEIR_INGEST_API_KEYS', { expected: 'customer:key,customer2:key2' }).optional().describe('API keys per customer (at least one of this and WEIR_INGEST_API_KEYS_FILE)'),
  apiKeysFile: env.string('WEIR_INGEST_API_KEYS_FILE', { expected: 'path of a JSON file { "customer": "key" | ["key", ...] }' }).optional().describe('JSON file of API keys per customer, re-read when it changes (a broken file keeps the old keys)'),
  apiKeysReload: env.duration('WEIR_INGEST_API_KEYS_RELOAD', { min: '100ms', max: '1h' }).default('5s').describe('How often the key file is polled'),
  maxBodyBytes: env.int('WEIR_INGEST_MAX_BODY_BYTES', { min: 1024, max: 1024 * 1024 * 1024 }).default(10 * 1024 * 1024).describe('Largest request body, as sent and decompressed (413 above)'),
  maxInflightBytes: env.int('WEIR_INGEST_MAX_INFLIGHT_BYTES', { min: 1024, max: 16 * 1024 * 1024 * 1024 }).default(64 * 1024 * 1024).describe('Bytes of bodies held at once, raw plus decompressed, before 429; at least the largest body'),
  maxListedRejections: env.int('WEIR_INGEST_MAX_LISTED_REJECTIONS', { min: 0, max: 1_000_000 }).default(1000).describe('Rejected lines listed in one response (the rest are counted)'),
  produceTimeout: env.duration('WEIR_INGEST_PRODUCE_TIMEOUT', { min: '100ms', max: '10m' }).default('15s').describe('Longest wait for the Kafka acknowledgement before 503'),
  retryAfter: env.duration('WEIR_INGEST_RETRY_AFTER', { min: '1s', max: '1h' }).default('2s').describe('Retry-After of 429 and 503 answers'),
  partitions: env.int('WEIR_LOGS_PARTITIONS', { min: 1, max: 10_000 }).default(6).describe('Partitions of the customer log topics ingest creates'),
  sessionKey: env.string('WEIR_SESSION_KEY', { pattern: /^(ip_ua|field:[A-Za-z0-9_.-]+)$/, expected: 'ip_ua or field:NAME' }).default('ip_ua').describe('How a visitor is identified (ip_ua: client IP and user agent; field:NAME: a field of the log line, e.g. a cookie); ingest keys messages by it, sessionize groups by it'),
  schemaRegistryUrl: registryEnv.url,
  shutdownDelay: env.duration('WEIR_SHUTDOWN_DELAY', { max: '5m' }).default('0ms').describe('Wait after /readyz turns 503 before closing, so load balancers stop sending'),
  shutdownTimeout: env.duration('WEIR_SHUTDOWN_TIMEOUT', { min: '1s', max: '10m' }).default('25s').describe('Bound on the whole graceful shutdown'),
};

export interface IngestConfig {
  port: number;
  host: string;
  /** Keys from both sources, merged. */
  keys: KeyTable;
  /** Keys from WEIR_INGEST_API_KEYS alone: merged again with the file's on each reload. */
  envKeys: KeyTable;
  keysFile: { path: string; text: string; reloadMs: number } | null;
  maxBodyBytes: number;
  maxInflightBytes: number;
  maxListedRejections: number;
  produceTimeoutMs: number;
  /** Whole seconds, as Retry-After takes them. */
  retryAfterSeconds: number;
  partitions: number;
  sessionKey: SessionKeySpec;
  bus: BusConfig;
  serde: SerdeConfig;
  shutdownDelayMs: number;
  shutdownTimeoutMs: number;
}

export type TextReader = (path: string) => string;

/** Reads and checks everything; throws a WEIR_CONFIG StreamError listing every problem. */
export function loadIngestConfig(
  source: NodeJS.ProcessEnv = process.env,
  readText: TextReader = (path) => readFileSync(path, 'utf8'),
): IngestConfig {
  const { values: v, problems } = parseEnv(ingestEnv, source);

  let bus: BusConfig | undefined;
  try {
    bus = busConfigFromEnv(source);
  } catch (err) {
    if (!isStreamError(err, 'WEIR_CONFIG')) throw err;
    problems.push(...err.problems);
  }

  const envKeys = v.apiKeys === undefined ? { table: new Map(), problems: [] } : parseKeyList(v.apiKeys);
  problems.push(...envKeys.problems);
  let keysFile: IngestConfig['keysFile'] = null;
  let fileTable: KeyTable = new Map();
  if (v.apiKeysFile !== undefined) {
    try {
      const text = readText(v.apiKeysFile);
      const parsed = parseKeyFile(text, `WEIR_INGEST_API_KEYS_FILE=${v.apiKeysFile}`);
      problems.push(...parsed.problems);
      fileTable = parsed.table;
      keysFile = { path: v.apiKeysFile, text, reloadMs: v.apiKeysReload ?? 5000 };
    } catch (err) {
      problems.push(`WEIR_INGEST_API_KEYS_FILE=${JSON.stringify(v.apiKeysFile)} cannot be read: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  const merged = mergeKeyTables(envKeys.table, fileTable);
  problems.push(...merged.problems);
  if (v.apiKeys === undefined && v.apiKeysFile === undefined) {
    problems.push('no API keys: set WEIR_INGEST_API_KEYS (customer:key,...) and/or WEIR_INGEST_API_KEYS_FILE');
  }

  if (v.maxBodyBytes !== undefined && v.maxInflightBytes !== undefined && v.maxInflightBytes < v.maxBodyBytes) {
    problems.push(
      `WEIR_INGEST_MAX_INFLIGHT_BYTES (${v.maxInflightBytes}) must be at least WEIR_INGEST_MAX_BODY_BYTES (${v.maxBodyBytes}): a full-size body could never be admitted`,
    );
  }
  const serde = serdeConfigFromEnv(source);
  if (Boolean(serde.schemaRegistryUsername) !== Boolean(serde.schemaRegistryPassword)) {
    problems.push('SCHEMA_REGISTRY_USERNAME and SCHEMA_REGISTRY_PASSWORD go together: set both or neither');
  }
  if (v.sessionKey !== undefined && !isSessionKeySpec(v.sessionKey)) problems.push(`WEIR_SESSION_KEY: expected ip_ua or field:NAME`);

  if (problems.length > 0 || bus === undefined) throw configError(problems);
  return {
    port: v.port!,
    host: v.host!,
    keys: merged.table,
    envKeys: envKeys.table,
    keysFile,
    maxBodyBytes: v.maxBodyBytes!,
    maxInflightBytes: v.maxInflightBytes!,
    maxListedRejections: v.maxListedRejections!,
    produceTimeoutMs: v.produceTimeout!,
    retryAfterSeconds: Math.max(1, Math.ceil(v.retryAfter! / 1000)),
    partitions: v.partitions!,
    sessionKey: v.sessionKey as SessionKeySpec,
    bus,
    serde,
    shutdownDelayMs: v.shutdownDelay!,
    shutdownTimeoutMs: v.shutdownTimeout!,
  };
}

/**
 * The ingest service's configuration, from the environment, checked at start-up: every problem
 * (ours, the bus's, the keys') is reported at once in one WEIR_CONFIG error.
 *
 * The bus variables (WEIR_BUS, KAFKA_*) are the stream package's (`busConfigFromEnv`), the
 * registry's (SCHEMA_REGISTRY_URL, _USERNAME, _PASSWORD) the contracts package's.
 */
import { readFileSync } from 'node:fs';
import { serdeConfigFromEnv, type SerdeConfig } from '@weir/contracts';
import { portEnv, registryEnv, shutdownTimeoutEnv } from '@weir/service';
import { busConfigFromEnv, configError, env, isStreamError, readEnv, type BusConfig, type EnvValues } from '@weir/stream';
import { defaultCustomerShare } from './budget.js';
import { mergeKeyTables, parseKeyFile, parseKeyList, type KeyTable } from './api-keys.js';
import { isSessionKeySpec, type SessionKeySpec } from './session-key.js';

export const ingestEnv = {
  port: portEnv(8080).describe('HTTP port of the API (POST /v1/logs) and a bare /healthz; 0 picks a free port'),
  adminPort: env
    .int('WEIR_ADMIN_PORT', { min: 0, max: 65535 })
    .default(9090)
    .describe('HTTP port of /healthz, /readyz and /metrics, kept off the public API port (metrics name customers); 0 picks a free port'),
  host: env.string('HOST').default('0.0.0.0').describe('Address the HTTP servers listen on'),
  apiKeys: env.string('WEIR_INGEST_API_KEYS', { expected: 'customer:key,customer2:key2' }).optional().describe('API keys per customer (at least one of this and WEIR_INGEST_API_KEYS_FILE)'),
  apiKeysFile: env.string('WEIR_INGEST_API_KEYS_FILE', { expected: 'path of a JSON file { "customer": "key" | ["key", ...] }' }).optional().describe('JSON file of API keys per customer, re-read when it changes (a broken file keeps the old keys)'),
  apiKeysReload: env.duration('WEIR_INGEST_API_KEYS_RELOAD', { min: '100ms', max: '1h' }).default('5s').describe('How often the key file is polled'),
  maxBodyBytes: env.int('WEIR_INGEST_MAX_BODY_BYTES', { min: 1024, max: 1024 * 1024 * 1024 }).default(10 * 1024 * 1024).describe('Largest request body, as sent and decompressed (413 above)'),
  maxLineBytes: env.int('WEIR_INGEST_MAX_LINE_BYTES', { min: 256, max: 900 * 1024 }).default(64 * 1024).describe('Longest log line; a longer one is rejected (too_large) and the rest of the batch goes on. Under Kafka\'s message.max.bytes (1 MB by default)'),
  maxInflightBytes: env.int('WEIR_INGEST_MAX_INFLIGHT_BYTES', { min: 1024, max: 16 * 1024 * 1024 * 1024 }).default(64 * 1024 * 1024).describe('Bytes of bodies held at once, as received plus decompressed, before 429; at least the largest body'),
  maxInflightBytesPerCustomer: env.int('WEIR_INGEST_MAX_INFLIGHT_BYTES_PER_CUSTOMER', { min: 1024, max: 16 * 1024 * 1024 * 1024 }).optional().describe("One customer's share of WEIR_INGEST_MAX_INFLIGHT_BYTES (429 above), so one cannot starve the others; unset: a quarter of it, at least WEIR_INGEST_MAX_BODY_BYTES"),
  bodyTimeout: env.duration('WEIR_INGEST_BODY_TIMEOUT', { min: '100ms', max: '1h' }).default('30s').describe('Longest a request may take to send its body, from its headers on (408 after)'),
  maxListedRejections: env.int('WEIR_INGEST_MAX_LISTED_REJECTIONS', { min: 0, max: 1_000_000 }).default(1000).describe('Rejected lines listed in one response (the rest are counted)'),
  produceTimeout: env.duration('WEIR_INGEST_PRODUCE_TIMEOUT', { min: '100ms', max: '10m' }).default('15s').describe('Longest wait for the Kafka acknowledgement before 503'),
  retryAfter: env.duration('WEIR_INGEST_RETRY_AFTER', { min: '1s', max: '1h' }).default('2s').describe('Retry-After of 429 and 503 answers'),
  idempotencyWindow: env.duration('WEIR_INGEST_IDEMPOTENCY_WINDOW', { min: '1s', max: '24h' }).default('10m').describe('How long the answer to a batch sent with an Idempotency-Key is kept: a resend within it gets that answer and writes nothing again'),
  idempotencyKeys: env.int('WEIR_INGEST_IDEMPOTENCY_KEYS', { min: 1, max: 1_000_000 }).default(10_000).describe('Idempotency keys remembered per customer (the oldest are forgotten first)'),
  partitions: env.int('WEIR_LOGS_PARTITIONS', { min: 1, max: 10_000 }).default(6).describe('Partitions of the customer log topics ingest creates'),
  sessionKey: env.string('WEIR_SESSION_KEY', { pattern: /^(ip_ua|field:[A-Za-z0-9_.-]+)$/, expected: 'ip_ua or field:NAME' }).default('ip_ua').describe('How a visitor is identified (ip_ua: client IP and user agent; field:NAME: a field of the log line, e.g. a cookie); ingest keys messages by it, sessionize groups by it'),
  schemaRegistryUrl: registryEnv.url,
  shutdownDelay: env.duration('WEIR_SHUTDOWN_DELAY', { max: '5m' }).default('0ms').describe('Wait after /readyz turns 503 before closing, so load balancers stop sending'),
  shutdownTimeout: shutdownTimeoutEnv,
};

export interface IngestConfig {
  port: number;
  /** Port of /healthz, /readyz and /metrics. */
  adminPort: number;
  host: string;
  /** Keys from both sources, merged. */
  keys: KeyTable;
  /** Keys from WEIR_INGEST_API_KEYS alone: merged again with the file's on each reload. */
  envKeys: KeyTable;
  keysFile: { path: string; text: string; reloadMs: number } | null;
  maxBodyBytes: number;
  maxLineBytes: number;
  maxInflightBytes: number;
  maxInflightBytesPerCustomer: number;
  bodyTimeoutMs: number;
  maxListedRejections: number;
  produceTimeoutMs: number;
  /** Whole seconds, as Retry-After takes them. */
  retryAfterSeconds: number;
  idempotencyWindowMs: number;
  idempotencyKeys: number;
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
  // What the cross-variable check finds besides problems: the bus, the keys, the registry.
  const found: { bus?: BusConfig; keys: KeyTable; envKeys: KeyTable; keysFile: IngestConfig['keysFile']; serde: SerdeConfig } = {
    keys: new Map(),
    envKeys: new Map(),
    keysFile: null,
    serde: {},
  };

  const check = (v: Partial<EnvValues<typeof ingestEnv>>): string[] => {
    const problems: string[] = [];
    try {
      found.bus = busConfigFromEnv(source);
    } catch (err) {
      if (!isStreamError(err, 'WEIR_CONFIG')) throw err;
      problems.push(...err.problems);
    }
    const fromEnv = v.apiKeys === undefined ? { table: new Map(), problems: [] } : parseKeyList(v.apiKeys);
    problems.push(...fromEnv.problems);
    found.envKeys = fromEnv.table;
    let fileTable: KeyTable = new Map();
    if (v.apiKeysFile !== undefined) {
      try {
        const text = readText(v.apiKeysFile);
        const parsed = parseKeyFile(text, `WEIR_INGEST_API_KEYS_FILE=${v.apiKeysFile}`);
        problems.push(...parsed.problems);
        fileTable = parsed.table;
        found.keysFile = { path: v.apiKeysFile, text, reloadMs: v.apiKeysReload ?? 5000 };
      } catch (err) {
        problems.push(`WEIR_INGEST_API_KEYS_FILE=${JSON.stringify(v.apiKeysFile)} cannot be read: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    const merged = mergeKeyTables(found.envKeys, fileTable);
    problems.push(...merged.problems);
    found.keys = merged.table;
    if (v.apiKeys === undefined && v.apiKeysFile === undefined) {
      problems.push('no API keys: set WEIR_INGEST_API_KEYS (customer:key,...) and/or WEIR_INGEST_API_KEYS_FILE');
    }
    if (v.maxBodyBytes !== undefined && v.maxInflightBytes !== undefined) {
      if (v.maxInflightBytes < v.maxBodyBytes) {
        problems.push(
          `WEIR_INGEST_MAX_INFLIGHT_BYTES (${v.maxInflightBytes}) must be at least WEIR_INGEST_MAX_BODY_BYTES (${v.maxBodyBytes}): a full-size body could never be admitted`,
        );
      }
      const share = v.maxInflightBytesPerCustomer;
      if (share !== undefined && (share < v.maxBodyBytes || share > v.maxInflightBytes)) {
        problems.push(
          `WEIR_INGEST_MAX_INFLIGHT_BYTES_PER_CUSTOMER (${share}) must be from WEIR_INGEST_MAX_BODY_BYTES (${v.maxBodyBytes}) to WEIR_INGEST_MAX_INFLIGHT_BYTES (${v.maxInflightBytes})`,
        );
      }
    }
    if (v.maxLineBytes !== undefined && v.maxBodyBytes !== undefined && v.maxLineBytes > v.maxBodyBytes) {
      problems.push(`WEIR_INGEST_MAX_LINE_BYTES (${v.maxLineBytes}) must be at most WEIR_INGEST_MAX_BODY_BYTES (${v.maxBodyBytes})`);
    }
    if (v.port !== undefined && v.adminPort !== undefined && v.port !== 0 && v.port === v.adminPort) {
      problems.push(`WEIR_ADMIN_PORT (${v.adminPort}) must differ from PORT: /metrics stays off the public port`);
    }
    found.serde = serdeConfigFromEnv(source);
    if (Boolean(found.serde.schemaRegistryUsername) !== Boolean(found.serde.schemaRegistryPassword)) {
      problems.push('SCHEMA_REGISTRY_USERNAME and SCHEMA_REGISTRY_PASSWORD go together: set both or neither');
    }
    if (v.sessionKey !== undefined && !isSessionKeySpec(v.sessionKey)) problems.push(`WEIR_SESSION_KEY: expected ip_ua or field:NAME`);
    return problems;
  };

  const v = readEnv(ingestEnv, source, check);
  const { bus, keys, envKeys, keysFile, serde } = found;
  if (bus === undefined) throw configError(['the bus configuration could not be read']);
  if (!isSessionKeySpec(v.sessionKey)) throw configError([`WEIR_SESSION_KEY: expected ip_ua or field:NAME`]);
  return {
    port: v.port,
    adminPort: v.adminPort,
    host: v.host,
    keys,
    envKeys,
    keysFile,
    maxBodyBytes: v.maxBodyBytes,
    maxLineBytes: v.maxLineBytes,
    maxInflightBytes: v.maxInflightBytes,
    maxInflightBytesPerCustomer: v.maxInflightBytesPerCustomer ?? defaultCustomerShare(v.maxInflightBytes, v.maxBodyBytes),
    bodyTimeoutMs: v.bodyTimeout,
    maxListedRejections: v.maxListedRejections,
    produceTimeoutMs: v.produceTimeout,
    retryAfterSeconds: Math.max(1, Math.ceil(v.retryAfter / 1000)),
    idempotencyWindowMs: v.idempotencyWindow,
    idempotencyKeys: v.idempotencyKeys,
    partitions: v.partitions,
    sessionKey: v.sessionKey,
    bus,
    serde,
    shutdownDelayMs: v.shutdownDelay,
    shutdownTimeoutMs: v.shutdownTimeout,
  };
}

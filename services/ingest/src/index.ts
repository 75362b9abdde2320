/** @weir/ingest: the HTTP service that takes customers' access logs into `weir.logs.<customer>`. */
export { buildIngestApp, DEFAULT_LIMITS, type IngestApp, type IngestAppDeps, type IngestAppLimits } from './app.js';
export { ApiKeys, mergeKeyTables, parseKeyFile, parseKeyList, presentedKey, MIN_KEY_LENGTH, type KeyTable } from './api-keys.js';
export { KeyReloader, type KeyReloaderOptions } from './key-reload.js';
export { loadIngestConfig, ingestEnv, type IngestConfig } from './config.js';
export { IngestError, isIngestError, type IngestErrorCode } from './errors.js';
export { InflightBudget, Reservation, defaultCustomerShare } from './budget.js';
export { LogPublisher, chunkMessages } from './publish.js';
export { ACCEPTED_TYPES, bodyLines, firstInvalidUtf8, type BodyLine } from './body.js';
export { IDEMPOTENCY_HEADER, IdempotencyCache } from './idempotency.js';
export { LOGS_ROUTE, DEFAULT_FORMAT, type IngestLimits, type IngestReport, type LineRejection } from './routes/logs.js';
export { sessionKeyOf, ipUaKey, DEFAULT_SESSION_KEY, type SessionKeySpec } from './session-key.js';

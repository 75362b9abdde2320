/**
 * The score service's settings and its Elasticsearch sink, for tools that must score and index
 * exactly as it does (`weir replay`, `weir es promote`).
 */
export { loadScoreConfig, type ScoreConfig } from './config.js';
export { createEsClient, esSinkConfigFromEnv, indexPatternOf, openScoreSink, readAliasOf, type EsSinkConfig } from './elasticsearch/index.js';

import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { isStreamError } from '@weir/stream';
import { loadScoreConfig } from '../src/config.js';

const BUS = { KAFKA_BROKERS: '127.0.0.1:9092' };

test('defaults: the shipped model or the baseline scorer, its thresholds, no Elasticsearch', () => {
  const config = loadScoreConfig(BUS);
  assert.deepEqual(config, {
    port: 9090,
    shutdownTimeoutMs: 25_000,
    groupId: 'weir-score',
    delivery: 'at-least-once',
    namespace: undefined,
    modelDir: undefined,
    shadowModelDir: undefined,
    modelPollMs: 5000,
    modelBackend: 'auto',
    maxWaitMs: 300_000,
    windowRetentionMs: 271 * 60_000,
    maxWindowsPerCustomer: 20_000,
    thresholds: undefined,
    customerThresholds: {},
    elasticsearch: null,
  });
});

test('models, thresholds per customer and Elasticsearch from the environment', () => {
  const dir = mkdtempSync(join(tmpdir(), 'weir-score-config-'));
  const config = loadScoreConfig({
    ...BUS,
    WEIR_MODEL_DIR: dir,
    WEIR_SHADOW_MODEL_DIR: dir,
    WEIR_MODEL_POLL: '1s',
    WEIR_THRESHOLDS: 'suspicious=0.4, bot=0.7',
    WEIR_CUSTOMER_THRESHOLDS: 'acme:suspicious=0.6,bot=0.9; shop:bot=0.95,suspicious=0.5',
    WEIR_SCORE_MAX_WAIT: '1m',
    WEIR_GROUP_PREFIX: 'staging',
    ELASTICSEARCH_URL: 'http://127.0.0.1:9200',
    WEIR_ES_INDEX_PREFIX: 'staging-scores',
    WEIR_SHUTDOWN_TIMEOUT: '1m',
  });
  assert.equal(config.groupId, 'staging-score');
  assert.equal(config.shutdownTimeoutMs, 60_000);
  assert.equal(config.modelDir, dir);
  assert.equal(config.shadowModelDir, dir);
  assert.equal(config.modelPollMs, 1000);
  assert.equal(config.maxWaitMs, 60_000);
  assert.deepEqual(config.thresholds, { suspicious: 0.4, bot: 0.7 });
  assert.deepEqual(config.customerThresholds, { acme: { suspicious: 0.6, bot: 0.9 }, shop: { suspicious: 0.5, bot: 0.95 } });
  assert.deepEqual(config.elasticsearch?.connection.nodes, ['http://127.0.0.1:9200']);
  assert.equal(config.elasticsearch?.indexPrefix, 'staging-scores');
});

test('every problem is reported at once: ours, the sink\'s and the bus\'s', () => {
  try {
    loadScoreConfig({
      WEIR_MODEL_DIR: '/no/such/model',
      WEIR_THRESHOLDS: 'suspicious=0.9,bot=0.8',
      WEIR_CUSTOMER_THRESHOLDS: 'acme:suspicious=2,bot=0.9;:bot=1',
      WEIR_MODEL_POLL: '10ms',
      ELASTICSEARCH_URL: 'http://127.0.0.1:9200',
      WEIR_ES_BATCH_DOCS: '0',
      WEIR_BUS: 'kafka',
    });
    assert.fail('expected a configuration error');
  } catch (err) {
    assert.ok(isStreamError(err, 'WEIR_CONFIG'), String(err));
    const text = err.problems.join('\n');
    for (const expected of [
      /^WEIR_MODEL_DIR="\/no\/such\/model" does not exist/m,
      /^WEIR_THRESHOLDS=.*suspicious \(0\.9\) must not exceed bot \(0\.8\)/m,
      /^WEIR_CUSTOMER_THRESHOLDS=.*acme: "suspicious=2".*":bot=1": expected customer:/m,
      /^WEIR_MODEL_POLL=/m,
      /^WEIR_ES_BATCH_DOCS=/m,
      /KAFKA_BROKERS is required/,
    ]) {
      assert.match(text, expected);
    }
    assert.equal(err.problems.length, 6, text);
  }
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadIngestConfig } from '../src/config.js';
import { isStreamError } from '@weir/stream';

const KEY = 'acme-key-0123456789abcdef';

test('defaults: port 8080, 6 partitions, ip_ua, 10 MiB bodies', () => {
  const config = loadIngestConfig({ WEIR_BUS: 'embedded', WEIR_INGEST_API_KEYS: `acme:${KEY}` });
  assert.equal(config.port, 8080);
  assert.equal(config.host, '0.0.0.0');
  assert.equal(config.partitions, 6);
  assert.equal(config.sessionKey, 'ip_ua');
  assert.equal(config.maxBodyBytes, 10 * 1024 * 1024);
  assert.equal(config.maxInflightBytes, 64 * 1024 * 1024);
  assert.equal(config.retryAfterSeconds, 2);
  assert.deepEqual(config.bus, { kind: 'embedded' });
  assert.deepEqual([...config.keys], [['acme', [KEY]]]);
  assert.equal(config.keysFile, null);
});

test('the key file is read at start-up and merged with the environment\'s keys', () => {
  const files: Record<string, string> = { '/keys.json': JSON.stringify({ globex: ['globex-key-0123456789abcdef'] }) };
  const config = loadIngestConfig(
    { WEIR_BUS: 'embedded', WEIR_INGEST_API_KEYS: `acme:${KEY}`, WEIR_INGEST_API_KEYS_FILE: '/keys.json', WEIR_INGEST_API_KEYS_RELOAD: '2s' },
    (path) => files[path] ?? '',
  );
  assert.deepEqual([...config.keys.keys()], ['acme', 'globex']);
  assert.deepEqual(config.keysFile, { path: '/keys.json', text: files['/keys.json'], reloadMs: 2000 });
});

test('every problem is reported at once', () => {
  try {
    loadIngestConfig(
      {
        PORT: 'eighty',
        WEIR_BUS: 'kafka',
        WEIR_LOGS_PARTITIONS: '0',
        WEIR_SESSION_KEY: 'cookie',
        WEIR_INGEST_MAX_BODY_BYTES: '20000000',
        WEIR_INGEST_MAX_INFLIGHT_BYTES: '10000000',
        WEIR_INGEST_API_KEYS_FILE: '/missing.json',
        SCHEMA_REGISTRY_URL: 'not a url',
      },
      () => {
        throw new Error('ENOENT: no such file');
      },
    );
    assert.fail('expected a configuration error');
  } catch (err) {
    assert.ok(isStreamError(err, 'WEIR_CONFIG'), String(err));
    const text = err.problems.join('\n');
    for (const expected of [/^PORT=/m, /^WEIR_LOGS_PARTITIONS=/m, /^WEIR_SESSION_KEY=/m, /KAFKA_BROKERS is required/, /WEIR_INGEST_MAX_INFLIGHT_BYTES .* must be at least/, /WEIR_INGEST_API_KEYS_FILE=.* cannot be read/, /^SCHEMA_REGISTRY_URL=/m]) {
      assert.match(text, expected);
    }
    assert.ok(err.problems.length >= 7, text);
  }
});

test('no keys at all is a configuration error', () => {
  assert.throws(() => loadIngestConfig({ WEIR_BUS: 'embedded' }), /no API keys/);
});

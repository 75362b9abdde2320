import { test } from 'node:test';
import assert from 'node:assert/strict';
import { esSinkConfigFromEnv, parseByteSize } from '../src/elasticsearch/config.js';
import { esClientOptions } from '../src/elasticsearch/client.js';

function problemsOf(run: () => unknown): string[] {
  try {
    run();
  } catch (err) {
    assert.ok(err instanceof Error && 'code' in err && err.code === 'WEIR_CONFIG', `expected WEIR_CONFIG, got ${String(err)}`);
    assert.ok('problems' in err && Array.isArray(err.problems));
    return err.problems.map(String);
  }
  assert.fail('expected a WEIR_CONFIG error');
}

const noFiles = (path: string): Buffer => {
  throw new Error(`ENOENT: no such file, open '${path}'`);
};

test('defaults: 500 docs, 5 MB, 1 s, a queue of four batches, 8 attempts, weir-scores', () => {
  const config = esSinkConfigFromEnv({ ELASTICSEARCH_URL: 'http://127.0.0.1:9200' }, noFiles);
  assert.deepEqual(config, {
    connection: { nodes: ['http://127.0.0.1:9200'], auth: null, ca: null, requestTimeoutMs: 30_000 },
    indexPrefix: 'weir-scores',
    batch: { maxDocs: 500, maxBytes: 5 * 1024 * 1024, flushIntervalMs: 1000, queueDocs: 2000 },
    retry: { maxAttempts: 8, baseDelayMs: 200, maxDelayMs: 30_000 },
    template: { shards: 1, replicas: 1, ilmPolicy: null },
  });
});

test('every setting, with a CA file and an API key', () => {
  const config = esSinkConfigFromEnv(
    {
      ELASTICSEARCH_URL: 'https://es-1:9200, https://es-2:9200',
      ELASTICSEARCH_API_KEY: 'aWQ6a2V5',
      ELASTICSEARCH_CA_FILE: '/etc/es/ca.pem',
      ELASTICSEARCH_REQUEST_TIMEOUT: '10s',
      WEIR_ES_INDEX_PREFIX: 'bots.eu',
      WEIR_ES_BATCH_DOCS: '1000',
      WEIR_ES_BATCH_BYTES: '512kb',
      WEIR_ES_FLUSH_INTERVAL: '250ms',
      WEIR_ES_QUEUE_DOCS: '1500',
      WEIR_ES_RETRY_ATTEMPTS: '3',
      WEIR_ES_RETRY_BASE_DELAY: '50ms',
      WEIR_ES_RETRY_MAX_DELAY: '5s',
      WEIR_ES_SHARDS: '3',
      WEIR_ES_REPLICAS: '0',
      WEIR_ES_ILM_POLICY: 'weir-scores-30d',
    },
    (path) => Buffer.from(`PEM of ${path}`),
  );
  assert.deepEqual(config.connection, {
    nodes: ['https://es-1:9200', 'https://es-2:9200'],
    auth: { kind: 'api-key', apiKey: 'aWQ6a2V5' },
    ca: Buffer.from('PEM of /etc/es/ca.pem'),
    requestTimeoutMs: 10_000,
  });
  assert.equal(config.indexPrefix, 'bots.eu');
  assert.deepEqual(config.batch, { maxDocs: 1000, maxBytes: 512 * 1024, flushIntervalMs: 250, queueDocs: 1500 });
  assert.deepEqual(config.retry, { maxAttempts: 3, baseDelayMs: 50, maxDelayMs: 5000 });
  assert.deepEqual(config.template, { shards: 3, replicas: 0, ilmPolicy: 'weir-scores-30d' });

  const options = esClientOptions(config.connection);
  assert.deepEqual(options.auth, { apiKey: 'aWQ6a2V5' });
  assert.deepEqual(options.ssl, { ca: Buffer.from('PEM of /etc/es/ca.pem') });
  assert.equal(options.maxRetries, 0, 'the sink retries with backoff; the client must not retry on its own');
});

test('basic auth goes to the client as username and password', () => {
  const config = esSinkConfigFromEnv(
    { ELASTICSEARCH_URL: 'http://es:9200', ELASTICSEARCH_USERNAME: 'weir', ELASTICSEARCH_PASSWORD: 's3cret' },
    noFiles,
  );
  assert.deepEqual(esClientOptions(config.connection).auth, { username: 'weir', password: 's3cret' });
});

test('every problem is reported at once', () => {
  const problems = problemsOf(() =>
    esSinkConfigFromEnv(
      {
        ELASTICSEARCH_USERNAME: 'weir',
        ELASTICSEARCH_API_KEY: 'aWQ6a2V5',
        ELASTICSEARCH_CA_FILE: '/missing.pem',
        WEIR_ES_INDEX_PREFIX: 'Weir_Scores',
        WEIR_ES_BATCH_BYTES: 'lots',
        WEIR_ES_BATCH_DOCS: '800',
        WEIR_ES_QUEUE_DOCS: '100',
        WEIR_ES_RETRY_BASE_DELAY: '10s',
        WEIR_ES_RETRY_MAX_DELAY: '1s',
        WEIR_ES_FLUSH_INTERVAL: '1',
      },
      noFiles,
    ),
  );
  const expected = [
    /^ELASTICSEARCH_URL is required/,
    /^WEIR_ES_INDEX_PREFIX=/,
    /^WEIR_ES_BATCH_BYTES=/,
    /^WEIR_ES_FLUSH_INTERVAL=/,
    /ELASTICSEARCH_USERNAME and ELASTICSEARCH_PASSWORD go together/,
    /^ELASTICSEARCH_CA_FILE="\/missing.pem" cannot be read/,
    /WEIR_ES_QUEUE_DOCS \(100\) must be at least WEIR_ES_BATCH_DOCS \(800\)/,
    /WEIR_ES_RETRY_MAX_DELAY must be at least WEIR_ES_RETRY_BASE_DELAY/,
  ];
  for (const pattern of expected) assert.ok(problems.some((p) => pattern.test(p)), `no problem matches ${pattern}:\n${problems.join('\n')}`);
  assert.equal(problems.length, expected.length, problems.join('\n'));
});

test('an API key and basic auth together, or a CA with only http nodes, are refused', () => {
  const both = problemsOf(() =>
    esSinkConfigFromEnv(
      { ELASTICSEARCH_URL: 'http://es:9200', ELASTICSEARCH_USERNAME: 'u', ELASTICSEARCH_PASSWORD: 'p', ELASTICSEARCH_API_KEY: 'k' },
      noFiles,
    ),
  );
  assert.deepEqual(both, ['set ELASTICSEARCH_API_KEY or ELASTICSEARCH_USERNAME/PASSWORD, not both']);
  const ca = problemsOf(() =>
    esSinkConfigFromEnv({ ELASTICSEARCH_URL: 'http://es:9200', ELASTICSEARCH_CA_FILE: '/ca.pem' }, () => Buffer.from('pem')),
  );
  assert.deepEqual(ca, ['ELASTICSEARCH_CA_FILE is set but no ELASTICSEARCH_URL node is https']);
  const url = problemsOf(() => esSinkConfigFromEnv({ ELASTICSEARCH_URL: 'es:9200' }, noFiles));
  assert.equal(url.length, 1);
  assert.match(url[0]!, /^ELASTICSEARCH_URL="es:9200" is invalid/);
});

test('byte sizes: binary units, a bare number is bytes, at least 1kb', () => {
  assert.deepEqual(parseByteSize('5mb'), { ok: true, value: 5 * 1024 * 1024 });
  assert.deepEqual(parseByteSize('512KB'), { ok: true, value: 512 * 1024 });
  assert.deepEqual(parseByteSize('1 gb'), { ok: true, value: 1024 ** 3 });
  assert.deepEqual(parseByteSize('4096'), { ok: true, value: 4096 });
  assert.equal(parseByteSize('100').ok, false);
  assert.equal(parseByteSize('5 MiB').ok, false);
});

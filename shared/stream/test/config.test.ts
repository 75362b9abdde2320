import { test } from 'node:test';
import assert from 'node:assert/strict';
import { busConfigFromEnv, DEFAULT_KAFKA_TUNING, type BusConfig } from '../src/config.js';
import { isStreamError, type StreamError } from '../src/errors.js';
import { kafkaClientConfig } from '../src/kafka/client-config.js';
import { silentLogger } from '../src/log.js';

const files: Record<string, string> = {
  '/certs/ca.pem': 'CA',
  '/certs/client.pem': 'CERT',
  '/certs/client.key': 'KEY',
};
const readFile = (path: string): Buffer => {
  const content = files[path];
  if (content === undefined) throw new Error(`ENOENT: no such file or directory, open '${path}'`);
  return Buffer.from(content);
};

function problemsOf(source: NodeJS.ProcessEnv): string[] {
  try {
    busConfigFromEnv(source, readFile);
  } catch (err) {
    assert.ok(isStreamError(err, 'WEIR_CONFIG'));
    return (err as StreamError).problems;
  }
  assert.fail('expected WEIR_CONFIG');
}

function kafka(config: BusConfig) {
  assert.equal(config.kind, 'kafka');
  if (config.kind !== 'kafka') throw new Error('unreachable');
  return config;
}

test('plaintext Kafka with defaults', () => {
  const config = kafka(busConfigFromEnv({ KAFKA_BROKERS: '127.0.0.1:19092, kafka-1:9092' }, readFile));
  assert.deepEqual(config.connection, { brokers: ['127.0.0.1:19092', 'kafka-1:9092'], clientId: 'weir', tls: null, sasl: null });
  assert.deepEqual(config.tuning, DEFAULT_KAFKA_TUNING);
  const client = kafkaClientConfig(config.connection, config.tuning, silentLogger());
  assert.deepEqual(client.brokers, ['127.0.0.1:19092', 'kafka-1:9092']);
  assert.equal(client.ssl, undefined);
  assert.equal(client.sasl, undefined);
  assert.equal(client.connectionTimeout, 3000);
});

test('WEIR_BUS=embedded needs no Kafka settings', () => {
  assert.deepEqual(busConfigFromEnv({ WEIR_BUS: 'embedded' }, readFile), { kind: 'embedded' });
});

test('TLS with the system CAs, and mutual TLS from files', () => {
  const systemCas = kafka(busConfigFromEnv({ KAFKA_BROKERS: 'k:9093', KAFKA_SSL: 'true' }, readFile));
  assert.equal(kafkaClientConfig(systemCas.connection, systemCas.tuning, silentLogger()).ssl, true);

  const mutual = kafka(
    busConfigFromEnv(
      {
        KAFKA_BROKERS: 'k:9093',
        KAFKA_SSL: 'true',
        KAFKA_SSL_CA_FILE: '/certs/ca.pem',
        KAFKA_SSL_CERT_FILE: '/certs/client.pem',
        KAFKA_SSL_KEY_FILE: '/certs/client.key',
        KAFKA_CLIENT_ID: 'sessionize-1',
      },
      readFile,
    ),
  );
  const client = kafkaClientConfig(mutual.connection, mutual.tuning, silentLogger());
  assert.equal(client.clientId, 'sessionize-1');
  assert.deepEqual(client.ssl, { ca: [Buffer.from('CA')], cert: Buffer.from('CERT'), key: Buffer.from('KEY') });
});

test('SASL mechanisms become kafkajs SASL options', () => {
  for (const mechanism of ['plain', 'scram-sha-256', 'scram-sha-512'] as const) {
    const config = kafka(
      busConfigFromEnv(
        {
          KAFKA_BROKERS: 'k:9094',
          KAFKA_SSL: '1',
          KAFKA_SASL_MECHANISM: mechanism.toUpperCase(),
          KAFKA_SASL_USERNAME: 'weir',
          KAFKA_SASL_PASSWORD: 's3cret',
        },
        readFile,
      ),
    );
    const client = kafkaClientConfig(config.connection, config.tuning, silentLogger());
    assert.deepEqual(client.sasl, { mechanism, username: 'weir', password: 's3cret' });
    assert.equal(client.ssl, true);
  }
});

test('every bad or missing value is reported at once', () => {
  const problems = problemsOf({
    WEIR_BUS: 'kafka',
    KAFKA_SSL: 'sometimes',
    KAFKA_SSL_CA_FILE: '/certs/missing.pem',
    KAFKA_SSL_CERT_FILE: '/certs/client.pem',
    KAFKA_SASL_MECHANISM: 'scram-sha-256',
    KAFKA_SASL_USERNAME: 'weir',
    KAFKA_SESSION_TIMEOUT: '1s',
  });
  assert.deepEqual(problems, [
    'KAFKA_SSL="sometimes" is invalid: expected true or false (or 1/0, yes/no, on/off)',
    'KAFKA_SESSION_TIMEOUT="1s" is invalid: must be at least 6s',
    'KAFKA_BROKERS is required when WEIR_BUS=kafka (host:port, comma-separated)',
    "KAFKA_SSL_CA_FILE=\"/certs/missing.pem\" cannot be read: ENOENT: no such file or directory, open '/certs/missing.pem'",
    'KAFKA_SSL_CERT_FILE and KAFKA_SSL_KEY_FILE go together: set both or neither',
    'KAFKA_SASL_PASSWORD is required with KAFKA_SASL_MECHANISM=scram-sha-256',
  ]);
});

test('malformed brokers, unknown bus and mechanism, credentials without mechanism', () => {
  assert.deepEqual(problemsOf({ WEIR_BUS: 'rabbit' }), ['WEIR_BUS="rabbit" is invalid: expected one of kafka, embedded']);
  assert.deepEqual(problemsOf({ KAFKA_BROKERS: 'localhost, k:9092' }), [
    'KAFKA_BROKERS="localhost, k:9092" is invalid: "localhost": expected host:port, comma-separated',
  ]);
  assert.deepEqual(problemsOf({ KAFKA_BROKERS: 'k:9092', KAFKA_SASL_MECHANISM: 'gssapi', KAFKA_SASL_USERNAME: 'u' }), [
    'KAFKA_SASL_MECHANISM="gssapi" is invalid: expected one of plain, scram-sha-256, scram-sha-512',
  ]);
  assert.deepEqual(problemsOf({ KAFKA_BROKERS: 'k:9092', KAFKA_SASL_PASSWORD: 'p' }), [
    'KAFKA_SASL_USERNAME/KAFKA_SASL_PASSWORD are set but KAFKA_SASL_MECHANISM is not (plain, scram-sha-256 or scram-sha-512)',
  ]);
  assert.deepEqual(problemsOf({ KAFKA_BROKERS: 'k:9092', KAFKA_SSL_CA_FILE: '/certs/ca.pem' }), [
    'KAFKA_SSL_CA_FILE is set but KAFKA_SSL is not true',
  ]);
});

test('the error message lists every problem on its own line', () => {
  try {
    busConfigFromEnv({ KAFKA_SSL: 'x' }, readFile);
    assert.fail('expected an error');
  } catch (err) {
    assert.ok(err instanceof Error);
    assert.match(err.message, /invalid configuration \(2 problems\):\n {2}- KAFKA_SSL="x" is invalid.*\n {2}- KAFKA_BROKERS is required/s);
  }
});

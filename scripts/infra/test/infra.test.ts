/**
 * The servers `pnpm test` started (scripts/infra) answer as the other tests expect: the registry's
 * Confluent-compatible API with a BACKWARD global rule, Elasticsearch 7.17, and Kafka (port and a live broker).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { liveBrokerCount } from '../kafka-protocol.js';
import { httpGet, tcpOpen } from '../probe.js';

function required(name: string): string {
  const value = process.env[name]?.trim();
  if (!value) throw new Error(`${name} is not set: run this through \`pnpm test\`, which starts the servers`);
  return value;
}

test('the schema registry answers /subjects and its global compatibility is BACKWARD', async () => {
  const url = required('SCHEMA_REGISTRY_URL');
  assert.equal((await httpGet(`${url}/subjects`)).status, 200);
  const config = await httpGet(`${url}/config`);
  assert.equal(config.status, 200);
  assert.equal((JSON.parse(config.body) as { compatibilityLevel?: string }).compatibilityLevel, 'BACKWARD');
});

test('Kafka accepts connections and reports a live broker', async () => {
  const [first] = required('KAFKA_BROKERS').split(',');
  const [host = '', port = ''] = (first ?? '').trim().split(':');
  assert.equal(await tcpOpen(host, Number(port)), true);
  assert.ok((await liveBrokerCount(host, Number(port))) >= 1);
});

test('Elasticsearch answers GET / as a 7.17 server with the X-Elastic-Product header', async () => {
  const root = await httpGet(required('ELASTICSEARCH_URL'));
  assert.equal(root.status, 200);
  assert.equal(root.headers['x-elastic-product'], 'Elasticsearch');
  assert.match((JSON.parse(root.body) as { version: { number: string } }).version.number, /^7\.17\./);
});

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { envRows, README_PATH, readmeTable, renderEnvTable, SERVICE_ENV, SERVICES, type EnvRow, type ServiceName } from './service-env-table.js';

const rows = envRows();
const row = (name: string): EnvRow => {
  const found = rows.find((r) => r.name === name);
  assert.ok(found, `${name} is not in the table`);
  return found;
};

test('the README table is the one the env specs generate', () => {
  const readme = readFileSync(README_PATH, 'utf8');
  const documented = readmeTable(readme);
  assert.ok(documented !== undefined, 'README.md has no <!-- SERVICE-ENV --> ... <!-- /SERVICE-ENV --> region');
  assert.equal(
    documented,
    renderEnvTable(rows),
    'README.md is out of date: run `pnpm exec tsx scripts/service-env-table.ts --write`',
  );
});

test('shared variables are one row naming every service that reads them', () => {
  assert.deepEqual(row('KAFKA_BROKERS').services, [...SERVICES]);
  assert.deepEqual(row('SCHEMA_REGISTRY_URL').services, [...SERVICES]);
  assert.deepEqual(row('WEIR_SESSION_KEY').services, ['ingest', 'sessionize']);
  assert.equal(new Set(rows.map((r) => r.name)).size, rows.length, 'a variable appears twice');
});

test("each service's own variables are there, with their defaults", () => {
  const only = (name: string, service: ServiceName) => assert.deepEqual(row(name).services, [service], name);
  only('WEIR_INGEST_API_KEYS', 'ingest');
  only('WEIR_SESSION_GAP', 'sessionize');
  only('WEIR_WINDOW_SIZE', 'window');
  only('WEIR_MODEL_DIR', 'score');
  only('ELASTICSEARCH_URL', 'score');
  only('WEIR_ES_INDEX_PREFIX', 'score');
  assert.equal(row('WEIR_SESSION_GAP').defaults.get('sessionize'), '30m');
  assert.equal(row('PORT').defaults.get('ingest'), '8080');
  assert.equal(row('PORT').defaults.get('score'), '9090');
  // Optional in the score spec: without it the service runs without the Elasticsearch copy.
  assert.equal(row('ELASTICSEARCH_URL').defaults.get('score'), null);
});

test('every variable says what it is for', () => {
  // A variable without a description would fall back to its bare type in the table.
  for (const service of SERVICES) {
    for (const spec of SERVICE_ENV[service]) {
      for (const v of Object.values(spec)) assert.ok(v.description?.trim(), `${v.name} (${service}) has no .describe(...)`);
    }
  }
  assert.match(renderEnvTable(rows), /^\| `KAFKA_BROKERS` \| ingest, sessionize, window, score \| — \| Kafka bootstrap brokers/m);
});

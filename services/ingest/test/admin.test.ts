/**
 * /metrics names customers and their volumes: it is served on the admin port (WEIR_ADMIN_PORT)
 * with /healthz and /readyz, never on the public API port, which keeps a bare /healthz.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadIngestConfig } from '../src/config.js';
import { auth, combinedLine, KEYS, testApp } from './helpers.js';

test('the public port serves the API and /healthz only; /metrics and /readyz are on the admin port', async () => {
  const t = testApp({ port: 0, adminPort: 0, host: '127.0.0.1' });
  try {
    const url = await t.http.listen();
    const admin = t.http.adminUrl;
    assert.ok(admin && admin !== url, `a second port: ${admin} besides ${url}`);
    const sent = await fetch(`${url}/v1/logs`, { method: 'POST', headers: { ...auth(KEYS.acme), 'content-type': 'text/plain' }, body: combinedLine('203.0.113.1', 'ua') });
    assert.equal(sent.status, 200);

    assert.equal((await fetch(`${url}/metrics`)).status, 404);
    assert.equal((await fetch(`${url}/readyz`)).status, 404);
    assert.equal((await fetch(`${url}/healthz`)).status, 200);

    const metrics = await fetch(`${admin}/metrics`);
    assert.equal(metrics.status, 200);
    assert.match(await metrics.text(), /weir_ingest_lines_accepted_total\{customer="acme"\} 1/);
    assert.equal((await fetch(`${admin}/readyz`)).status, 200);
    assert.equal((await fetch(`${admin}/healthz`)).status, 200);
    assert.equal((await fetch(`${admin}/v1/logs`, { method: 'POST' })).status, 404, 'no API on the admin port');
  } finally {
    await t.close();
    await t.bus.close();
  }
});

test('WEIR_ADMIN_PORT: 9090 by default, 0 for a free one, never the API port', () => {
  const base = { WEIR_BUS: 'embedded', WEIR_INGEST_API_KEYS: `acme:${KEYS.acme}` };
  assert.equal(loadIngestConfig(base).adminPort, 9090);
  assert.equal(loadIngestConfig({ ...base, WEIR_ADMIN_PORT: '0' }).adminPort, 0);
  assert.throws(() => loadIngestConfig({ ...base, PORT: '9000', WEIR_ADMIN_PORT: '9000' }), /WEIR_ADMIN_PORT \(9000\) must differ from PORT/);
});

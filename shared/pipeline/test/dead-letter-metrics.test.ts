/**
 * `weir_stage_dead_letters_total` is labelled by what was wrong with each record (`no_address`,
 * `no_customer`), not by the runner's generic WEIR_STAGE_PROCESS, as a service's /metrics serves it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { createServiceHttp } from '@weir/service';
import { promStageMetrics, silentLogger } from '@weir/stream';
import { requestAt, sessionizeEmbedded } from './sessionize-embedded.js';

test('dead letters are counted on /metrics by the record\'s reason', { timeout: 60_000 }, async () => {
  const registry = new Registry();
  const http = createServiceHttp({ name: 'sessionize', port: 0, host: '127.0.0.1', readiness: async () => ({ ready: true, checks: {} }), registry, logger: silentLogger(), defaultMetrics: false });
  const url = await http.listen();
  try {
    const events = [requestAt(1), requestAt(2, { clientIp: '' }), requestAt(3, { customer: '' }), requestAt(4, { clientIp: '' })];
    const { deadLetters } = await sessionizeEmbedded(events, { sessionKey: 'ip_ua', metrics: promStageMetrics('sessionize', registry) });
    assert.equal(deadLetters.length, 3);
    const text = await (await fetch(`${url}/metrics`)).text();
    const counted = [...text.matchAll(/^weir_stage_dead_letters_total\{stage="sessionize",reason="([^"]+)"\} (\d+)$/gm)].map(([, reason, n]) => [reason, Number(n)]);
    assert.deepEqual(counted.sort(), [['no_address', 2], ['no_customer', 1]]);
  } finally {
    await http.close();
  }
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isStreamError } from '@weir/stream';
import { loadWindowConfig } from '../src/config.js';

const BUS = { KAFKA_BROKERS: '127.0.0.1:9092' };

test('defaults: tumbling 1 min windows, 60 s lateness, group weir-window, port 9090', () => {
  const config = loadWindowConfig(BUS);
  assert.deepEqual(config, {
    port: 9090,
    shutdownTimeoutMs: 25_000,
    groupId: 'weir-window',
    delivery: 'at-least-once',
    namespace: undefined,
    closeIdleAfterMs: 0,
    window: { sizeMs: 60_000, allowedLatenessMs: 60_000, updateEveryRecords: 100 },
  });
});

test('every setting from the environment', () => {
  const config = loadWindowConfig({
    ...BUS,
    PORT: '9292',
    WEIR_WINDOW_SIZE: '5m',
    WEIR_WINDOW_HOP: '1m',
    WEIR_WINDOW_LATENESS: '2m',
    WEIR_WINDOW_UPDATE_EVERY: '0',
    WEIR_CLOSE_IDLE_AFTER: '3s',
    WEIR_DELIVERY: 'exactly-once',
    WEIR_GROUP_PREFIX: 'e2e-1',
    WEIR_TOPIC_NAMESPACE: 'e2e-1',
    WEIR_SHUTDOWN_TIMEOUT: '40s',
  });
  assert.deepEqual(config, {
    port: 9292,
    shutdownTimeoutMs: 40_000,
    groupId: 'e2e-1-window',
    delivery: 'exactly-once',
    namespace: 'e2e-1',
    closeIdleAfterMs: 3000,
    window: { sizeMs: 300_000, hopMs: 60_000, allowedLatenessMs: 120_000, updateEveryRecords: 0 },
  });
});

test('every problem is reported at once, the bus variables included', () => {
  try {
    loadWindowConfig({ WEIR_WINDOW_SIZE: '1m', WEIR_WINDOW_HOP: '2m', WEIR_WINDOW_LATENESS: 'soon', WEIR_WINDOW_UPDATE_EVERY: 'x', WEIR_TOPIC_NAMESPACE: 'a.b', WEIR_BUS: 'kafka' });
    assert.fail('expected a configuration error');
  } catch (err) {
    assert.ok(isStreamError(err, 'WEIR_CONFIG'), String(err));
    const text = err.problems.join('\n');
    for (const expected of [/WEIR_WINDOW_HOP \(120000 ms\) must not exceed WEIR_WINDOW_SIZE/, /^WEIR_WINDOW_LATENESS=/m, /^WEIR_WINDOW_UPDATE_EVERY=/m, /^WEIR_TOPIC_NAMESPACE=/m, /KAFKA_BROKERS is required/]) {
      assert.match(text, expected);
    }
    assert.equal(err.problems.length, 5, text);
  }
});

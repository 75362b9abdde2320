import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isStreamError } from '@weir/stream';
import { loadSessionizeConfig } from '../src/config.js';

const BUS = { KAFKA_BROKERS: '127.0.0.1:9092' };

test('defaults: ip_ua sessions, 30 min gap, weir.logs.* in, group weir-sessionize, port 9090', () => {
  const config = loadSessionizeConfig(BUS);
  assert.equal(config.port, 9090);
  assert.equal(config.shutdownTimeoutMs, 25_000);
  assert.equal(config.groupId, 'weir-sessionize');
  assert.equal(config.delivery, 'at-least-once');
  assert.equal(config.namespace, undefined);
  assert.equal(config.closeIdleAfterMs, 0);
  assert.ok(config.logsPattern.test('weir.logs.acme') && !config.logsPattern.test('weir.sessions'));
  assert.deepEqual(config.sessionizer, {
    sessionKey: 'ip_ua',
    gapMs: 30 * 60_000,
    maxDurationMs: 4 * 3_600_000,
    allowedLatenessMs: 60_000,
    updateEveryEvents: 10,
    updateAfterMs: 30_000,
    maxOpenSessions: 0,
    customers: {},
  });
});

test('every setting from the environment', () => {
  const config = loadSessionizeConfig({
    ...BUS,
    PORT: '9191',
    WEIR_SESSION_KEY: 'field:cookie_sid',
    WEIR_SESSION_GAP: '20m',
    WEIR_SESSION_MAX_DURATION: '2h',
    WEIR_SESSION_LATENESS: '10s',
    WEIR_SESSION_UPDATE_EVERY: '5',
    WEIR_SESSION_UPDATE_AFTER: '15s',
    WEIR_CLOSE_IDLE_AFTER: '2s',
    WEIR_MAX_OPEN_SESSIONS: '200000',
    WEIR_CUSTOMER_TIMEZONES: 'acme=Europe/Paris, shop=+0100',
    WEIR_DELIVERY: 'exactly-once',
    WEIR_LOGS_TOPIC_PATTERN: '^weir\\.logs\\.eu-.+$',
    WEIR_GROUP_PREFIX: 'staging',
    WEIR_TOPIC_NAMESPACE: 'staging',
  });
  assert.equal(config.port, 9191);
  assert.equal(config.groupId, 'staging-sessionize');
  assert.equal(config.delivery, 'exactly-once');
  assert.equal(config.namespace, 'staging');
  assert.equal(config.closeIdleAfterMs, 2000);
  assert.ok(config.logsPattern.test('weir.logs.eu-acme') && !config.logsPattern.test('weir.logs.us-acme'));
  assert.deepEqual(config.sessionizer, {
    sessionKey: 'field:cookie_sid',
    gapMs: 20 * 60_000,
    maxDurationMs: 2 * 3_600_000,
    allowedLatenessMs: 10_000,
    updateEveryEvents: 5,
    updateAfterMs: 15_000,
    maxOpenSessions: 200_000,
    customers: { acme: { timeZone: 'Europe/Paris' }, shop: { timeZone: '+0100' } },
  });
});

test('every problem is reported at once, the bus and registry variables included', () => {
  try {
    loadSessionizeConfig({
      PORT: 'ninety',
      WEIR_SESSION_KEY: 'cookie',
      WEIR_SESSION_GAP: '30',
      WEIR_SESSION_UPDATE_EVERY: '-1',
      WEIR_CUSTOMER_TIMEZONES: 'acme=Mars/Olympus,shop',
      WEIR_DELIVERY: 'twice',
      WEIR_LOGS_TOPIC_PATTERN: '^weir\\.sessions',
      WEIR_GROUP_PREFIX: 'a b',
      SCHEMA_REGISTRY_USERNAME: 'me',
    });
    assert.fail('expected a configuration error');
  } catch (err) {
    assert.ok(isStreamError(err, 'WEIR_CONFIG'), String(err));
    const text = err.problems.join('\n');
    for (const expected of [
      /^PORT=/m,
      /^WEIR_SESSION_KEY=/m,
      /^WEIR_SESSION_GAP=/m,
      /^WEIR_SESSION_UPDATE_EVERY=/m,
      /^WEIR_CUSTOMER_TIMEZONES=.*unknown time zone "Mars\/Olympus".*"shop": expected customer=zone/m,
      /^WEIR_DELIVERY=/m,
      /^WEIR_LOGS_TOPIC_PATTERN=/m,
      /^WEIR_GROUP_PREFIX=/m,
      /KAFKA_BROKERS is required/,
      /SCHEMA_REGISTRY_USERNAME and SCHEMA_REGISTRY_PASSWORD go together/,
    ]) {
      assert.match(text, expected);
    }
    assert.equal(err.problems.length, 10, text);
  }
});

test('updates must come before the gap closes a session', () => {
  assert.throws(
    () => loadSessionizeConfig({ ...BUS, WEIR_SESSION_GAP: '30s', WEIR_SESSION_UPDATE_AFTER: '30s' }),
    (err: unknown) => isStreamError(err, 'WEIR_CONFIG') && /WEIR_SESSION_UPDATE_AFTER .* must be below WEIR_SESSION_GAP/.test(err.problems.join('\n')),
  );
});

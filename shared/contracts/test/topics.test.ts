import { test } from 'node:test';
import assert from 'node:assert/strict';
import { customerOfLogsTopic, logsTopic } from '../src/topics.js';

test('logsTopic names one topic per customer and refuses ids Kafka cannot hold', () => {
  assert.equal(logsTopic('acme-shop_1'), 'weir.logs.acme-shop_1');
  assert.equal(customerOfLogsTopic('weir.logs.acme'), 'acme');
  assert.equal(customerOfLogsTopic('weir.sessions'), null);
  assert.throws(() => logsTopic('acme/../x'), { code: 'WEIR_INVALID_CUSTOMER' });
  assert.throws(() => logsTopic(''), { code: 'WEIR_INVALID_CUSTOMER' });
});

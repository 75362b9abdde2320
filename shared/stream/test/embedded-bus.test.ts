import { createEmbeddedBus } from '../src/embedded/index.js';
import { busContract } from './bus.contract.js';

busContract('embedded', async () => createEmbeddedBus());

import { test } from 'node:test';
import assert from 'node:assert/strict';

test('embedded retention by count drops the oldest records, never those of an open transaction', async () => {
  const bus = createEmbeddedBus({ retainRecords: 100 });
  await bus.admin.createTopics([{ topic: 'kept', partitions: 1 }]);
  const producer = await bus.producer();
  for (let i = 0; i < 300; i++) await producer.send([{ topic: 'kept', key: null, value: Buffer.from(String(i)) }]);
  const [offsets] = await bus.admin.fetchTopicOffsets('kept');
  assert.equal(offsets!.high, 300);
  assert.ok(offsets!.low >= 190 && offsets!.low <= 200, `low ${offsets!.low}`);

  const transactional = await bus.producer({ transactionalId: 'tx' });
  const transaction = await transactional.beginTransaction();
  await transaction.send([{ topic: 'kept', key: null, value: Buffer.from('open') }]);
  for (let i = 0; i < 300; i++) await producer.send([{ topic: 'kept', key: null, value: Buffer.from(String(i)) }]);
  const [held] = await bus.admin.fetchTopicOffsets('kept');
  assert.ok(held!.low <= 300, 'the open transaction’s record is kept');
  await transaction.commit();
  await bus.close();
});

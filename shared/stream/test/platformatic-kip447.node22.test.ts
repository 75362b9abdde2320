/**
 * KIP-447 on @platformatic/kafka (Node 22): a transaction's offsets carry the group member's
 * generation, so offsets sent as a member of an older generation (a zombie that missed a
 * rebalance) are refused, while the current member's commit.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import type { MessageConsumerMetadata } from '@platformatic/kafka';
import { isStreamError } from '../src/errors.js';
import type { PlatformaticBus } from '../src/platformatic/index.js';
import { GroupMembership } from '../src/platformatic/group-membership.js';
import { PlatformaticProducer } from '../src/platformatic/producer.js';
import type { PlatformaticConsumer } from '../src/platformatic/consumer.js';
import { Collector, deleteTestTopics, text, uniqueName, waitFor } from './helpers.js';
import { platformaticTestBus } from './platformatic-test-bus.js';
import { kafkaTestConnection } from './test-connection.js';

/** A member frozen at the generation it had when it was taken. */
class FrozenMembership extends GroupMembership {
  constructor(
    consumer: PlatformaticConsumer,
    private readonly frozen: MessageConsumerMetadata,
  ) {
    super(consumer.client, true);
  }

  override async currentMetadata(): Promise<MessageConsumerMetadata> {
    return this.frozen;
  }
}

let bus: PlatformaticBus;
before(async () => {
  bus = await platformaticTestBus('platformatic-kip447-test');
});
after(async () => {
  await deleteTestTopics(bus);
  await bus.close();
});

test('offsets sent under an older generation of the group are refused; under the current one they commit', async () => {
  const input = uniqueName('kip447-in');
  const output = uniqueName('kip447-out');
  const groupId = uniqueName('g');
  await bus.admin.createTopics([{ topic: input, partitions: 2 }, { topic: output, partitions: 1 }]);
  const member = (): PlatformaticConsumer => bus.consumer({ groupId }) as PlatformaticConsumer;
  const first = member();
  await first.subscribe([input]);
  await new Collector().start(first);
  await waitFor('the first member owns both partitions', () => first.assignment().length === 2);
  const before = await first.membership().currentMetadata();

  const second = member();
  await second.subscribe([input]);
  await new Collector().start(second);
  await waitFor('the second member joined', () => second.assignment().length === 1 && first.assignment().length === 1, 30_000);
  const now = await first.membership().currentMetadata();
  assert.ok(now.generationId > before.generationId, `generation ${now.generationId} after ${before.generationId}`);

  const { connection, tuning } = kafkaTestConnection();
  const send = async (membership: GroupMembership, offset: number) => {
    const producer = await PlatformaticProducer.open(connection, tuning, { transactionalId: uniqueName('tx') }, async () => membership, () => undefined);
    try {
      const transaction = await producer.beginTransaction();
      await transaction.send([{ topic: output, key: 'k', value: text(`offset ${offset}`) }]);
      await transaction.sendOffsets(groupId, [{ topic: input, partition: 0, offset }]);
      await transaction.commit();
    } finally {
      await producer.close();
    }
  };
  await assert.rejects(send(new FrozenMembership(first, before), 5), (err) => isStreamError(err) && /generation/i.test(String(err.message)));
  await send(new FrozenMembership(first, now), 7);
  await waitFor('the current generation’s offset committed', async () =>
    (await bus.admin.fetchCommittedOffsets(groupId, [input])).some((o) => o.partition === 0 && o.offset === 7),
  );
  await second.stop();
  await first.stop();
});

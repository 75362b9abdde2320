/**
 * Group administration from outside a group, on both buses: the member count, and committed
 * offsets set while the group is empty (refused while it has a member).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { Bus } from '../src/bus.js';
import { createEmbeddedBus } from '../src/embedded/index.js';
import { isStreamError } from '../src/errors.js';
import { confluentTestBus, kafkaTestBus } from './kafka-test-bus.js';

async function groupAdmin(bus: Bus): Promise<void> {
  const topic = `admin-groups-${randomUUID()}`;
  const groupId = `${topic}-group`;
  try {
    await bus.admin.createTopics([{ topic, partitions: 2 }]);
    assert.equal(await bus.admin.groupMembers(groupId), 0, 'an unknown group has no members');
    await bus.admin.setCommittedOffsets(groupId, [{ topic, partition: 0, offset: 0 }, { topic, partition: 1, offset: 0 }]);
    assert.deepEqual((await bus.admin.fetchCommittedOffsets(groupId, [topic])).map((o) => o.offset), [0, 0]);

    const member = bus.consumer({ groupId });
    await member.subscribe([topic]);
    await member.run(async () => undefined);
    assert.equal(await bus.admin.groupMembers(groupId), 1);
    await assert.rejects(bus.admin.setCommittedOffsets(groupId, [{ topic, partition: 0, offset: 0 }]), (err) => isStreamError(err));
    await member.stop();
    assert.equal(await bus.admin.groupMembers(groupId), 0, 'a member that left is gone');
  } finally {
    await bus.admin.deleteTopics([topic]).catch(() => undefined);
  }
}

test('embedded: group members and offsets set from outside', async () => {
  const bus = createEmbeddedBus();
  try {
    await groupAdmin(bus);
  } finally {
    await bus.close();
  }
});

test('kafka: group members and offsets set from outside', { timeout: 60_000 }, async () => {
  const bus = await kafkaTestBus('admin-groups');
  try {
    await groupAdmin(bus);
  } finally {
    await bus.close();
  }
});

test('confluent: group members and offsets set from outside', { timeout: 60_000 }, async () => {
  const bus = await confluentTestBus('admin-groups-confluent');
  try {
    await groupAdmin(bus);
  } finally {
    await bus.close();
  }
});

/**
 * Committing or aborting a transaction asks the transaction coordinator (EndTxn). On a starved
 * broker the coordinator answered NOT_COORDINATOR, and kafkajs 2.2.4 threw it at once: the
 * fencing contract test got "This is not the correct coordinator" instead of the fencing error,
 * and a stage would have taken a transient error for a failed commit. Our kafkajs patch retries
 * EndTxn on the coordinator errors, asking for the coordinator again each time, and still ends at
 * once on fencing. This drives kafkajs's transaction manager against a stand-in cluster.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { isFenced } from '../src/kafka/errors.js';

interface EosManager {
  initProducerId(): Promise<void>;
  beginTransaction(): Promise<void>;
  addPartitionsToTransaction(topicData: { topicName: string; partitions: { partition: number }[] }[]): Promise<void>;
  commit(): Promise<void>;
  abort(): Promise<void>;
}
type CreateEosManager = (options: { logger: unknown; cluster: unknown; transactional: boolean; transactionalId: string }) => EosManager;
const kafkajsModule = createRequire(import.meta.url);
const createEosManager = kafkajsModule('kafkajs/src/producer/eosManager/index.js') as CreateEosManager;
/** kafkajs's own protocol errors, as its decoder throws them for an error code. */
const { createErrorFromCode } = kafkajsModule('kafkajs/src/protocol/error.js') as { createErrorFromCode(code: number): Error };

const quiet = { debug() {}, info() {}, warn() {}, error() {} };

/** A one-broker cluster whose EndTxn answers with `failures` in turn, then succeeds. */
function standIn(failures: Error[]) {
  const calls = { coordinatorLookups: 0, endTxn: 0 };
  const broker = {
    initProducerId: async () => ({ producerId: 1, producerEpoch: 0 }),
    addPartitionsToTxn: async () => ({}),
    endTxn: async () => {
      calls.endTxn++;
      const failure = failures.shift();
      if (failure) throw failure;
    },
  };
  const cluster = {
    retry: { retries: 5, initialRetryTime: 10, maxRetryTime: 50 },
    refreshMetadataIfNecessary: async () => undefined,
    findGroupCoordinator: async () => {
      calls.coordinatorLookups++;
      return broker;
    },
  };
  return { calls, eos: createEosManager({ logger: quiet, cluster, transactional: true, transactionalId: 'tx' }) };
}

async function openTransaction(eos: EosManager): Promise<void> {
  await eos.initProducerId();
  await eos.beginTransaction();
  await eos.addPartitionsToTransaction([{ topicName: 't', partitions: [{ partition: 0 }] }]);
}

for (const end of ['commit', 'abort'] as const) {
  test(`${end}: NOT_COORDINATOR and COORDINATOR_LOAD_IN_PROGRESS are retried with a fresh coordinator lookup`, async () => {
    const { eos, calls } = standIn([createErrorFromCode(16), createErrorFromCode(14)]);
    await openTransaction(eos);
    const lookupsBefore = calls.coordinatorLookups;
    await eos[end]();
    assert.equal(calls.endTxn, 3, 'EndTxn sent until the coordinator took it');
    assert.equal(calls.coordinatorLookups - lookupsBefore, 3, 'the coordinator asked for again before each attempt');
  });
}

// INVALID_PRODUCER_EPOCH (47): what the broker answers kafkajs's EndTxn version for a fenced producer.
test('a fenced producer is not retried: the commit fails at once with the fencing error', async () => {
  const { eos, calls } = standIn([createErrorFromCode(16), createErrorFromCode(47)]);
  await openTransaction(eos);
  await assert.rejects(eos.commit(), (err) => isFenced(err));
  assert.equal(calls.endTxn, 2);
});

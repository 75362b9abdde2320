/**
 * Transactional ids, epochs and fencing, as Kafka's transaction coordinator does them: opening a
 * producer with an id bumps the id's epoch and aborts whatever the previous holder left open, so
 * a zombie (a paused or partitioned-away instance) can neither commit nor keep readers waiting.
 */
import type { TopicPartitionOffset } from '../bus.js';
import { StreamError } from '../errors.js';
import type { PartitionLog, TransactionRef } from './partition-log.js';

export class OpenTransaction {
  readonly ref: TransactionRef = { state: 'open' };
  readonly partitions = new Set<PartitionLog>();
  readonly offsets: Array<{ groupId: string; offsets: TopicPartitionOffset[] }> = [];
}

interface TransactionalId {
  epoch: number;
  open: OpenTransaction | null;
}

export type OffsetsSink = (groupId: string, offsets: TopicPartitionOffset[]) => void;

export class TransactionCoordinator {
  private readonly ids = new Map<string, TransactionalId>();

  constructor(private readonly commitOffsets: OffsetsSink) {}

  /** Registers a producer for `transactionalId`, fencing the previous one; returns its epoch. */
  initProducer(transactionalId: string): number {
    const current = this.ids.get(transactionalId);
    if (current?.open) this.complete(current.open, 'aborted');
    const epoch = (current?.epoch ?? -1) + 1;
    this.ids.set(transactionalId, { epoch, open: null });
    return epoch;
  }

  /** Throws WEIR_BUS_FENCED unless `epoch` is still the id's current one. */
  checkEpoch(transactionalId: string, epoch: number): TransactionalId {
    const current = this.ids.get(transactionalId);
    if (!current || current.epoch !== epoch) {
      throw new StreamError(
        'WEIR_BUS_FENCED',
        `producer with transactional id "${transactionalId}" was fenced by a newer producer with the same id`,
      );
    }
    return current;
  }

  begin(transactionalId: string, epoch: number): OpenTransaction {
    const current = this.checkEpoch(transactionalId, epoch);
    if (current.open) {
      throw new StreamError('WEIR_BUS_TRANSACTION', `transaction of "${transactionalId}" already open`);
    }
    current.open = new OpenTransaction();
    return current.open;
  }

  end(transactionalId: string, epoch: number, transaction: OpenTransaction, outcome: 'committed' | 'aborted'): void {
    const current = this.checkEpoch(transactionalId, epoch);
    if (current.open !== transaction) {
      throw new StreamError('WEIR_BUS_TRANSACTION', `transaction of "${transactionalId}" is not open`);
    }
    current.open = null;
    this.complete(transaction, outcome);
  }

  private complete(transaction: OpenTransaction, outcome: 'committed' | 'aborted'): void {
    transaction.ref.state = outcome;
    for (const log of transaction.partitions) log.completeTransaction(transaction.ref);
    if (outcome === 'committed') {
      for (const { groupId, offsets } of transaction.offsets) this.commitOffsets(groupId, offsets);
    }
  }
}

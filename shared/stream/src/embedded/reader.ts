import type { ConsumedMessage, PartitionReader, TopicPartitionOffset } from '../bus.js';
import { StreamError } from '../errors.js';
import type { EmbeddedBroker } from './broker.js';
import { waitForAny } from './listeners.js';

const READ_BATCH_RECORDS = 5000;

export class EmbeddedPartitionReader implements PartitionReader {
  private closed = false;

  constructor(
    private readonly broker: EmbeddedBroker,
    readonly topic: string,
  ) {}

  async read(
    position: TopicPartitionOffset,
    onBatch: (messages: ConsumedMessage[]) => boolean | Promise<boolean>,
  ): Promise<void> {
    const log = this.broker.partition(position.topic, position.partition);
    let offset = position.offset;
    for (;;) {
      if (this.closed) throw new StreamError('WEIR_BUS_CLOSED', 'partition reader is closed');
      const read = log.read(offset, 'read_committed', READ_BATCH_RECORDS, Number.POSITIVE_INFINITY);
      offset = read.nextOffset;
      if (read.messages.length > 0) {
        if (await onBatch(read.messages)) return;
      } else {
        await waitForAny([log.changed], 1000);
      }
    }
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

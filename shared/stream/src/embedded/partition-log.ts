/**
 * One partition: an append-only list of records with Kafka's offset and visibility rules.
 * Every entry takes an offset, transaction markers included (as in Kafka, offsets of a
 * transactional topic have gaps for readers). A read_committed reader stops at the first record
 * of a transaction still open (the last stable offset) and skips records of aborted ones.
 */
import type { ConsumedMessage, Headers, IsolationLevel } from '../bus.js';
import { Listeners } from './listeners.js';

export type TransactionState = 'open' | 'committed' | 'aborted';

/** Shared by every record a transaction wrote; its state changes once, for all of them. */
export interface TransactionRef {
  state: TransactionState;
}

interface Entry {
  offset: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: Headers;
  timestamp: number;
  /** null for a plain (non-transactional) record. */
  transaction: TransactionRef | null;
  /** Commit/abort markers: they take an offset but are never delivered. */
  control: boolean;
}

export interface AppendedRecord {
  key: Buffer | null;
  value: Buffer | null;
  headers: Headers;
  timestamp: number;
}

export interface ReadResult {
  messages: ConsumedMessage[];
  /** Where the next read should start: past what was delivered and what was skipped. */
  nextOffset: number;
}

export class PartitionLog {
  private entries: Entry[] = [];
  /** Offset of entries[0]; grows when retention drops old records. */
  private startOffset = 0;
  /** First offset each open transaction wrote here: the last stable offset is their minimum. */
  private readonly openTransactions = new Map<TransactionRef, number>();
  /** Notified on append and when a transaction completes (both can make records readable). */
  readonly changed = new Listeners();

  constructor(
    readonly topic: string,
    readonly partition: number,
    /** Keep about this many entries (at most 10% more); older ones are dropped (retention by count). */
    private readonly retainRecords: number,
  ) {}

  get logStartOffset(): number {
    return this.startOffset;
  }

  get endOffset(): number {
    return this.startOffset + this.entries.length;
  }

  get lastStableOffset(): number {
    let lso = this.endOffset;
    for (const first of this.openTransactions.values()) lso = Math.min(lso, first);
    return lso;
  }

  append(records: AppendedRecord[], transaction: TransactionRef | null): number {
    const base = this.endOffset;
    if (transaction && !this.openTransactions.has(transaction)) this.openTransactions.set(transaction, base);
    let offset = base;
    for (const record of records) {
      const { key, value, headers, timestamp } = record;
      this.entries.push({ offset: offset++, key, value, headers, timestamp, transaction, control: false });
    }
    this.applyRetention();
    this.changed.notify();
    return base;
  }

  /** Writes the commit/abort marker of a transaction that wrote here and releases the LSO. */
  completeTransaction(transaction: TransactionRef): void {
    if (!this.openTransactions.delete(transaction)) return;
    this.entries.push({
      offset: this.endOffset,
      key: null,
      value: null,
      headers: {},
      timestamp: Date.now(),
      transaction,
      control: true,
    });
    this.applyRetention();
    this.changed.notify();
  }

  read(from: number, isolation: IsolationLevel, maxRecords: number, maxBytes: number): ReadResult {
    const limit = isolation === 'read_committed' ? this.lastStableOffset : this.endOffset;
    const messages: ConsumedMessage[] = [];
    let offset = Math.max(from, this.startOffset);
    let bytes = 0;
    while (offset < limit && messages.length < maxRecords) {
      const entry = this.entries[offset - this.startOffset]!;
      const hidden =
        entry.control || (isolation === 'read_committed' && entry.transaction?.state === 'aborted');
      if (!hidden) {
        const size = (entry.key?.length ?? 0) + (entry.value?.length ?? 0);
        // Always deliver at least one record, however large, or the reader could never move on.
        if (messages.length > 0 && bytes + size > maxBytes) break;
        bytes += size;
        messages.push({
          topic: this.topic,
          partition: this.partition,
          offset: entry.offset,
          key: entry.key,
          value: entry.value,
          headers: entry.headers,
          timestamp: entry.timestamp,
        });
      }
      offset++;
    }
    return { messages, nextOffset: offset };
  }

  /** First offset whose timestamp is >= `timestamp`, or the end offset when none is. */
  offsetForTimestamp(timestamp: number): number {
    for (const entry of this.entries) {
      if (!entry.control && entry.timestamp >= timestamp) return entry.offset;
    }
    return this.endOffset;
  }

  private applyRetention(): void {
    const excess = this.entries.length - this.retainRecords;
    // Drop in chunks of a tenth of the limit, not one record per append: slicing is O(n).
    if (excess <= 0 || excess < Math.ceil(this.retainRecords / 10)) return;
    // Never drop records of an open transaction: they may still commit.
    const droppable = Math.min(excess, this.lastStableOffset - this.startOffset);
    if (droppable <= 0) return;
    this.entries = this.entries.slice(droppable);
    this.startOffset += droppable;
  }
}

/**
 * Idempotent batches: a client names each batch with an `Idempotency-Key` header and sends the
 * same key with every resend of it. The answer to a batch whose records Kafka acknowledged is
 * kept for a while, per customer, and a resend gets that answer instead of writing the records
 * again. A resend that arrives while the first attempt's records are still on their way (the
 * client gave up waiting, or was answered 503 on a produce timeout) waits for them to settle
 * first; a batch whose produce failed part-way goes on from its first unacknowledged chunk.
 *
 * Memory is bounded: per customer at most `maxKeys` keys and `maxBytes` of kept answers, the
 * oldest forgotten first, and nothing older than `windowMs`.
 */
import { createHash } from 'node:crypto';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { IngestError } from './errors.js';

export const IDEMPOTENCY_HEADER = 'idempotency-key';
/** Printable ASCII, as the IETF draft's examples; long enough for a UUID with a prefix. */
const KEY_PATTERN = /^[\x21-\x7e]{1,128}$/;

/** What a batch led to, as far as Kafka went. */
export type BatchState =
  /** Its records are being produced; settles once Kafka is done with them. */
  | { kind: 'pending'; settled: Promise<void> }
  /** Every record acknowledged: the answer to give again. */
  | { kind: 'answered'; status: number; body: string }
  /** Produce failed after `ackedChunks` chunks were acknowledged: a resend writes the rest. */
  | { kind: 'partial'; ackedChunks: number };

interface Entry {
  fingerprint: string;
  state: BatchState;
  /** Date.now() when it was made. */
  at: number;
  bytes: number;
}

export interface IdempotencyOptions {
  windowMs: number;
  /** Keys kept per customer. */
  maxKeys: number;
  /** Bytes of kept answers per customer. */
  maxBytes?: number;
  now?: () => number;
}

/** The Idempotency-Key of a request, null when it has none; 400 when it is malformed. */
export function idempotencyKeyOf(header: string | string[] | undefined): string | null {
  if (header === undefined) return null;
  if (Array.isArray(header) || !KEY_PATTERN.test(header)) {
    throw new IngestError('WEIR_INGEST_BAD_REQUEST', 400, 'Idempotency-Key must be one value of 1 to 128 printable ASCII characters');
  }
  return header;
}

/** Bytes hashed between two turns of the event loop. */
const HASH_SLICE = 1024 * 1024;

/** What makes two requests the same batch: the body as decoded and how it is to be read. */
export async function batchFingerprint(parts: string[], body: Buffer): Promise<string> {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part).update('\u0000');
  for (let at = 0; at < body.length; at += HASH_SLICE) {
    if (at > 0) await nextTurn();
    hash.update(body.subarray(at, at + HASH_SLICE));
  }
  return hash.digest('base64url');
}

export class IdempotencyCache {
  private readonly customers = new Map<string, { entries: Map<string, Entry>; bytes: number }>();
  private readonly now: () => number;
  private readonly maxBytes: number;

  constructor(private readonly options: IdempotencyOptions) {
    this.now = options.now ?? Date.now;
    this.maxBytes = options.maxBytes ?? 4 * 1024 * 1024;
  }

  /**
   * The state of an earlier request with this key, or null when there was none (in the window).
   * 422 when the key was used for another batch.
   */
  lookup(customer: string, key: string, fingerprint: string): BatchState | null {
    const table = this.customers.get(customer);
    const entry = table?.entries.get(key);
    if (!table || !entry) return null;
    if (this.now() - entry.at > this.options.windowMs) {
      this.remove(customer, key);
      return null;
    }
    if (entry.fingerprint !== fingerprint) {
      throw new IngestError(
        'WEIR_INGEST_IDEMPOTENCY_KEY_REUSED',
        422,
        'this Idempotency-Key was already used for a different batch: use a new key for every batch, and the same one only for its resends',
      );
    }
    return entry.state;
  }

  /** Records (or updates) what became of the batch. */
  record(customer: string, key: string, fingerprint: string, state: BatchState): void {
    let table = this.customers.get(customer);
    if (!table) {
      table = { entries: new Map(), bytes: 0 };
      this.customers.set(customer, table);
    }
    const old = table.entries.get(key);
    const at = old?.at ?? this.now();
    if (old) {
      table.bytes -= old.bytes;
      table.entries.delete(key);
    }
    const bytes = key.length + fingerprint.length + 64 + (state.kind === 'answered' ? state.body.length : 0);
    table.entries.set(key, { fingerprint, state, at, bytes });
    table.bytes += bytes;
    this.evict(table);
  }

  /** Keys kept for a customer (for tests and metrics). */
  size(customer: string): number {
    return this.customers.get(customer)?.entries.size ?? 0;
  }

  private remove(customer: string, key: string): void {
    const table = this.customers.get(customer);
    const entry = table?.entries.get(key);
    if (!table || !entry) return;
    table.entries.delete(key);
    table.bytes -= entry.bytes;
  }

  /** Oldest first: expired ones, then past the key and byte bounds (a pending batch is kept: it is in use). */
  private evict(table: { entries: Map<string, Entry>; bytes: number }): void {
    const now = this.now();
    for (const [key, entry] of table.entries) {
      const over = table.entries.size > this.options.maxKeys || table.bytes > this.maxBytes;
      const expired = now - entry.at > this.options.windowMs;
      if (!over && !expired) break;
      if (entry.state.kind === 'pending' && !expired) continue;
      table.entries.delete(key);
      table.bytes -= entry.bytes;
    }
  }
}

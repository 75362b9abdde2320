/**
 * Writes ScoreRecords to Elasticsearch in bulk requests, one document per session.
 *
 *   await sink.write(record)   // resolves once buffered; waits while `queueDocs` documents are held
 *   await sink.flush()         // every record written so far is indexed, ignored as stale, or dead-lettered
 *   await sink.close()         // refuses new writes, flushes, stops
 *
 * A batch goes out when it has `maxDocs` documents or `maxBytes` of NDJSON, when its oldest
 * document has waited `flushIntervalMs`, or at once while a flush() or close() is waiting. One bulk
 * request is in flight at a time: batches (and the retries of their items) reach ES in the order
 * written, so the version check only ever has to settle real reorderings, never ones we caused.
 *
 * Two buffered scores of the same session are coalesced: the newer replaces the older in place,
 * and only it is sent (ES would keep only it anyway).
 *
 * Failures: retryable ones (see retry.ts) are retried with backoff, the whole request or just the
 * failed items. A whole request failing retryably (ES unreachable, 429/502/503/504) is an outage:
 * it is retried until ES answers, spending no attempt. Failed items are retried up to
 * `maxAttempts` per document; documents ES rejects, and those whose attempts run out, go to
 * `deadLetter`. Nothing is dropped quietly: a whole request ES refuses for good
 * (401, 403...), an unreadable response, or a dead-letter callback that throws stops the sink
 * (WEIR_ES_REQUEST / WEIR_ES_RESPONSE / WEIR_ES_DEAD_LETTER) and every later write, flush and close
 * rejects with that error, so the service never commits offsets past a score that is nowhere.
 */
import type { ScoreRecord } from '@weir/contracts';
import { errors } from '@elastic/elasticsearch';
import { bulkOutcomes, describeEsError } from './bulk-response.js';
import type { SinkClient } from './client.js';
import type { BatchSettings } from './config.js';
import { bulkLines, scoreDocumentAction, type ScoreDocumentAction } from './document.js';
import { EsSinkError, isEsSinkError } from './errors.js';
import { backoffDelay, isRetryableError, type RetryPolicy } from './retry.js';

export interface DeadLetterReason {
  /**
   * rejected: ES refused the document (mapping error, malformed value); retries-exhausted: ES
   * kept failing or could not be reached; invalid: the record cannot be a document, never sent.
   */
  kind: 'rejected' | 'retries-exhausted' | 'invalid';
  /** HTTP status of the last attempt; null without one (connection failure, invalid record). */
  status: number | null;
  /** ES's error type (`mapper_parsing_exception`...), when it gave one. */
  errorType: string | null;
  /** One line, ES's reason included, for logs and dead-letter headers. */
  message: string;
  attempts: number;
  /** Where the document was going; null for an invalid record. */
  index: string | null;
  id: string | null;
}

/** Must not resolve before the record is safe elsewhere (e.g. produced to `weir.scores.es-dlq`). */
export type DeadLetter = (record: ScoreRecord, reason: DeadLetterReason) => Promise<void> | void;

/** Counters since the sink started, and what it holds right now. */
export interface SinkMetrics {
  /** Records accepted by write(). */
  written: number;
  /** Documents ES stored: a session's first score or a newer one. */
  indexed: number;
  /** Of `indexed`, those that replaced an older score of their session. */
  replaced: number;
  /** Refused by ES because it holds a score at least as new: success, nothing to do. */
  staleIgnored: number;
  /** Superseded in the buffer by a newer score of the same session before being sent. */
  coalesced: number;
  /** Document sends repeated after a retryable failure (a failed request of 500 counts 500). */
  retried: number;
  deadLettered: number;
  bulkRequests: number;
  /** Bulk requests that failed as a whole (no connection, 429, 503...). */
  failedRequests: number;
  /** Documents buffered or in flight now. */
  held: number;
}

export interface BulkSinkOptions {
  client: SinkClient;
  indexPrefix: string;
  batch: BatchSettings;
  retry: RetryPolicy;
  deadLetter: DeadLetter;
  /** Called after every bulk request with the counters. Must not throw (an exception becomes a process warning). */
  onMetrics?: (metrics: SinkMetrics) => void;
  /** Run at the end of close(), e.g. to close the client the sink was given. */
  release?: () => Promise<void>;
  /** For tests: the backoff wait and its jitter. */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

interface Settle {
  promise: Promise<void>;
  resolve: () => void;
  reject: (err: unknown) => void;
  done: boolean;
}

/** `onDone` runs once, when the entry is settled either way. */
function settle(onDone: () => void): Settle {
  let resolve!: () => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // Only flush() awaits these; without a handler a failure nobody flushes for would crash the process.
  promise.catch(() => {});
  const s: Settle = {
    promise,
    resolve: () => {
      if (s.done) return;
      s.done = true;
      onDone();
      resolve();
    },
    reject: (err) => {
      if (s.done) return;
      s.done = true;
      onDone();
      reject(err);
    },
    done: false,
  };
  return s;
}

interface Entry {
  record: ScoreRecord;
  action: ScoreDocumentAction;
  /** `index/id`: two entries with one key are scores of one session. */
  key: string;
  lines: string;
  bytes: number;
  attempts: number;
  settled: Settle;
}

type Failure = Omit<DeadLetterReason, 'kind' | 'attempts' | 'index' | 'id'>;

const wait = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function requestFailure(err: unknown): Failure {
  if (err instanceof errors.ResponseError) {
    const body: unknown = err.body;
    const error = typeof body === 'object' && body !== null && 'error' in body ? body.error : undefined;
    const message = error === undefined ? err.message : describeEsError(error);
    return { status: err.statusCode, errorType: null, message: `bulk request failed with ${err.statusCode}: ${message}` };
  }
  const name = err instanceof Error ? err.name : 'Error';
  const message = err instanceof Error ? err.message : String(err);
  return { status: null, errorType: null, message: `bulk request failed: ${name}: ${message}` };
}

export class BulkSink {
  private readonly buffer = new Map<string, Entry>();
  private bufferBytes = 0;
  private readonly sending = new Set<Entry>();
  /** Slots handed to writers woken from the space queue who have not enqueued yet. */
  private reserved = 0;
  private readonly spaceWaiters: Array<{ resolve: () => void; reject: (err: unknown) => void }> = [];
  private timer: NodeJS.Timeout | null = null;
  private timerDue = false;
  private flushers = 0;
  private pumping = false;
  private closing = false;
  private closed: Promise<void> | null = null;
  private failure: EsSinkError | null = null;
  private readonly counts: Omit<SinkMetrics, 'held'> = {
    written: 0,
    indexed: 0,
    replaced: 0,
    staleIgnored: 0,
    coalesced: 0,
    retried: 0,
    deadLettered: 0,
    bulkRequests: 0,
    failedRequests: 0,
  };
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;

  constructor(private readonly options: BulkSinkOptions) {
    this.sleep = options.sleep ?? wait;
    this.random = options.random ?? Math.random;
  }

  metrics(): SinkMetrics {
    return { ...this.counts, held: this.held() };
  }

  /**
   * Buffers one score. Resolves once it is buffered (not indexed: see flush()); waits first while
   * the sink holds `queueDocs` documents. A record that cannot be a document is dead-lettered here.
   */
  async write(record: ScoreRecord): Promise<void> {
    this.throwIfUnusable();
    let action: ScoreDocumentAction;
    try {
      action = scoreDocumentAction(record, this.options.indexPrefix);
    } catch (err) {
      if (!isEsSinkError(err, 'WEIR_ES_DOCUMENT')) throw err;
      this.counts.written++;
      const reason: DeadLetterReason = {
        kind: 'invalid', status: null, errorType: null, message: err.message, attempts: 0, index: null, id: null,
      };
      if (!(await this.deadLetterOne(record, reason))) throw this.failure;
      return;
    }
    // FIFO: a writer arriving while others wait queues behind them even if a slot just freed.
    if (this.held() >= this.options.batch.queueDocs || this.spaceWaiters.length > 0) {
      await new Promise<void>((resolve, reject) => this.spaceWaiters.push({ resolve, reject }));
      this.reserved--;
      if (this.failure !== null) throw this.failure;
    }
    this.counts.written++;
    const lines = bulkLines(action);
    const entry: Entry = {
      record,
      action,
      key: `${action.index}/${action.id}`,
      lines,
      bytes: Buffer.byteLength(lines),
      attempts: 0,
      // A settled document is no longer held: flush() and metrics() stop counting it at once.
      settled: settle(() => this.sending.delete(entry)),
    };
    this.enqueue(entry);
  }

  /**
   * Resolves when every record whose write() resolved before this call is indexed, ignored as
   * stale, or dead-lettered (dead-letter callback finished). The service calls it before committing
   * Kafka offsets. Rejects if the sink has stopped (see the module comment).
   */
  async flush(): Promise<void> {
    if (this.failure !== null) throw this.failure;
    const outstanding = [...this.buffer.values(), ...this.sending].map((e) => e.settled.promise);
    if (outstanding.length === 0) return;
    this.flushers++;
    this.kick();
    try {
      await Promise.all(outstanding);
    } finally {
      this.flushers--;
    }
  }

  /** Refuses new writes, lets writes already waiting for space in, flushes everything, then releases. */
  close(): Promise<void> {
    this.closed ??= this.shutDown();
    return this.closed;
  }

  private async shutDown(): Promise<void> {
    this.closing = true;
    try {
      while (this.failure === null && (this.held() > 0 || this.spaceWaiters.length > 0)) {
        await this.flush();
        // Lets woken writers enqueue before the next look.
        await new Promise((resolve) => setImmediate(resolve));
      }
    } finally {
      this.clearTimer();
      await this.options.release?.();
    }
    if (this.failure !== null) throw this.failure;
  }

  private throwIfUnusable(): void {
    if (this.failure !== null) throw this.failure;
    if (this.closing) throw new EsSinkError('WEIR_ES_CLOSED', 'the Elasticsearch sink is closed');
  }

  private held(): number {
    return this.buffer.size + this.sending.size + this.reserved;
  }

  private enqueue(entry: Entry): void {
    const older = this.buffer.get(entry.key);
    if (older !== undefined) {
      this.counts.coalesced++;
      if (entry.action.version >= older.action.version) {
        // Map.set on a present key keeps its place: the newer score goes out when the older would have.
        this.buffer.set(entry.key, entry);
        this.bufferBytes += entry.bytes - older.bytes;
        entry.settled.promise.then(older.settled.resolve, older.settled.reject);
      }
      // Either way one slot was used for two records: hand the other one on.
      this.grantSpace();
    } else {
      this.buffer.set(entry.key, entry);
      this.bufferBytes += entry.bytes;
      if (this.buffer.size === 1) this.startTimer();
    }
    if (this.shouldSend()) this.kick();
  }

  private shouldSend(): boolean {
    if (this.buffer.size === 0 || this.failure !== null) return false;
    const full = this.buffer.size >= this.options.batch.maxDocs || this.bufferBytes >= this.options.batch.maxBytes;
    return full || this.timerDue || this.flushers > 0 || this.closing;
  }

  private startTimer(): void {
    if (this.timer !== null || this.timerDue) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.timerDue = true;
      this.kick();
    }, this.options.batch.flushIntervalMs);
  }

  private clearTimer(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.timerDue = false;
  }

  private grantSpace(): void {
    while (this.spaceWaiters.length > 0 && this.held() < this.options.batch.queueDocs) {
      this.reserved++;
      this.spaceWaiters.shift()!.resolve();
    }
  }

  private kick(): void {
    if (this.pumping) return;
    this.pumping = true;
    void this.pump().finally(() => {
      this.pumping = false;
      if (this.shouldSend()) this.kick();
    });
  }

  /** Sends batches while there is reason to; one request at a time. Never rejects. */
  private async pump(): Promise<void> {
    while (this.shouldSend()) {
      const batch = this.takeBatch();
      try {
        await this.send(batch);
      } catch (err) {
        this.stop(err instanceof EsSinkError ? err : new EsSinkError('WEIR_ES_RESPONSE', String(err), { cause: err }), batch);
      }
      this.grantSpace();
      this.report();
    }
  }

  private takeBatch(): Entry[] {
    const { maxDocs, maxBytes } = this.options.batch;
    const batch: Entry[] = [];
    let bytes = 0;
    for (const [key, entry] of this.buffer) {
      // A document larger than maxBytes still goes, alone: refusing it would be a loss.
      if (batch.length === maxDocs || (batch.length > 0 && bytes + entry.bytes > maxBytes)) break;
      batch.push(entry);
      bytes += entry.bytes;
      this.buffer.delete(key);
      this.sending.add(entry);
    }
    this.bufferBytes -= bytes;
    if (this.buffer.size === 0) this.clearTimer();
    else this.startTimer();
    return batch;
  }

  /** One batch until every document in it is settled; retries only what failed retryably. */
  private async send(batch: Entry[]): Promise<void> {
    let pending = batch;
    for (let round = 1; pending.length > 0; round++) {
      if (this.failure !== null) throw this.failure;
      if (round > 1) {
        this.counts.retried += pending.length;
        await this.sleep(backoffDelay(round - 1, this.options.retry, this.random));
      }
      for (const entry of pending) entry.attempts++;
      pending = await this.attempt(pending);
    }
  }

  /** One bulk request; returns the entries to retry. Throws what stops the sink. */
  private async attempt(entries: Entry[]): Promise<Entry[]> {
    this.counts.bulkRequests++;
    let body: unknown;
    try {
      body = await this.options.client.bulk(entries.map((e) => e.lines).join(''));
    } catch (err) {
      this.counts.failedRequests++;
      const failure = requestFailure(err);
      if (!isRetryableError(err)) throw new EsSinkError('WEIR_ES_REQUEST', failure.message, { cause: err });
      // The whole request failed retryably: Elasticsearch is down or overloaded, which says nothing
      // against these documents. They wait (backoff capped at maxDelayMs) instead of spending their
      // attempts, so an outage of any length dead-letters nothing. Only a closing sink counts the
      // attempts, so that shutdown ends.
      if (!this.closing) {
        for (const entry of entries) entry.attempts--;
        return entries;
      }
      return this.retryOrGiveUp(entries.map((entry) => [entry, failure]));
    }
    const outcomes = bulkOutcomes(body, entries.map((e) => e.action.id));
    const retry: Array<[Entry, Failure]> = [];
    const rejected: Array<[Entry, DeadLetterReason]> = [];
    outcomes.forEach((outcome, i) => {
      const entry = entries[i]!;
      switch (outcome.kind) {
        case 'created':
          this.counts.indexed++;
          return entry.settled.resolve();
        case 'replaced':
          this.counts.indexed++;
          this.counts.replaced++;
          return entry.settled.resolve();
        case 'stale':
          this.counts.staleIgnored++;
          return entry.settled.resolve();
        case 'retry':
          retry.push([entry, { status: outcome.status, errorType: null, message: outcome.error }]);
          return;
        case 'rejected':
          rejected.push([entry, this.reason(entry, 'rejected', { status: outcome.status, errorType: outcome.errorType, message: outcome.error })]);
          return;
      }
    });
    await this.deadLetterAll(rejected);
    return this.retryOrGiveUp(retry);
  }

  private async retryOrGiveUp(failed: Array<[Entry, Failure]>): Promise<Entry[]> {
    const again = failed.filter(([entry]) => entry.attempts < this.options.retry.maxAttempts).map(([entry]) => entry);
    const exhausted = failed.filter(([entry]) => entry.attempts >= this.options.retry.maxAttempts);
    await this.deadLetterAll(exhausted.map(([entry, failure]) => [entry, this.reason(entry, 'retries-exhausted', failure)]));
    return again;
  }

  private reason(entry: Entry, kind: DeadLetterReason['kind'], failure: Failure): DeadLetterReason {
    return { kind, ...failure, attempts: entry.attempts, index: entry.action.index, id: entry.action.id };
  }

  /** In parallel: a dead-letter producer batches better than 500 awaits in a row. */
  private async deadLetterAll(items: Array<[Entry, DeadLetterReason]>): Promise<void> {
    await Promise.all(
      items.map(async ([entry, reason]) => {
        if (await this.deadLetterOne(entry.record, reason)) entry.settled.resolve();
        else entry.settled.reject(this.failure);
      }),
    );
  }

  /** True once the record is dead-lettered. Never throws: a failing callback stops the sink instead (see `failure`). */
  private async deadLetterOne(record: ScoreRecord, reason: DeadLetterReason): Promise<boolean> {
    try {
      await this.options.deadLetter(record, reason);
      this.counts.deadLettered++;
      return true;
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.stop(
        new EsSinkError('WEIR_ES_DEAD_LETTER', `dead-lettering the score of session ${record.sessionId} failed (${reason.message}): ${message}`, { cause: err }),
        [],
      );
      return false;
    }
  }

  /** The first failure wins; everything not settled yet rejects with it. */
  private stop(err: EsSinkError, batch: Entry[]): void {
    this.failure ??= err;
    const failure = this.failure;
    for (const entry of [...batch, ...this.buffer.values()]) if (!entry.settled.done) entry.settled.reject(failure);
    this.buffer.clear();
    this.bufferBytes = 0;
    this.clearTimer();
    for (const waiter of this.spaceWaiters.splice(0)) waiter.reject(failure);
  }

  private report(): void {
    if (this.options.onMetrics === undefined) return;
    try {
      this.options.onMetrics(this.metrics());
    } catch (err) {
      process.emitWarning(`Elasticsearch sink onMetrics threw: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}

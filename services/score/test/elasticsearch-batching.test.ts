/**
 * The sink's batching, back-pressure, flush and failure handling, against an in-memory stand-in for
 * the bulk API (it keeps versions like ES's external_gte). What ES itself does with the documents
 * is tested against a real node in elasticsearch-sink.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { errors } from '@elastic/elasticsearch';
import type { ScoreRecord } from '@weir/contracts';
import { BulkSink, type BulkSinkOptions, type DeadLetterReason, type SinkMetrics } from '../src/elasticsearch/bulk-sink.js';
import type { SinkClient } from '../src/elasticsearch/client.js';
import { isEsSinkError } from '../src/elasticsearch/errors.js';

const T0 = Date.UTC(2026, 10, 25, 12);

function score(sessionId: string, overrides: Partial<ScoreRecord> = {}): ScoreRecord {
  return {
    customer: 'acme',
    sessionId,
    sessionKey: `k-${sessionId}`,
    clientIp: '198.51.100.7',
    userAgent: 'Mozilla/5.0',
    firstTime: T0,
    lastTime: T0 + 60_000,
    requestCount: 12,
    closed: false,
    score: 0.5,
    label: 'suspicious',
    modelVersion: 'm1',
    shadow: false,
    windowStart: null,
    reasons: [],
    scoredAt: T0 + 61_000,
    ...overrides,
  };
}

type Item = { id: string; version: number; doc: { weir: { score: number } } };
type ItemResult = { index: Record<string, unknown> };

/** The bulk API in memory: one Map per id, versions compared like external_gte. */
class FakeBulk implements SinkClient {
  readonly docs = new Map<string, { version: number; score: number }>();
  readonly requests: string[][] = [];
  /** Run before each request; may throw (a request failure) or wait. */
  before: (n: number) => Promise<void> = async () => {};
  /** Per item: a forced status instead of indexing it. */
  itemStatus: (id: string, n: number) => number | null = () => null;

  async bulk(ndjson: string): Promise<unknown> {
    const lines = ndjson.split('\n').filter((l) => l !== '');
    const items: Item[] = [];
    for (let i = 0; i < lines.length; i += 2) {
      const meta = JSON.parse(lines[i]!).index as { _id: string; version: number; version_type: string };
      assert.equal(meta.version_type, 'external_gte');
      items.push({ id: meta._id, version: meta.version, doc: JSON.parse(lines[i + 1]!) });
    }
    const n = this.requests.length;
    this.requests.push(items.map((i) => i.id));
    await this.before(n);
    return { errors: false, items: items.map((item) => this.index(item, n)) };
  }

  private index(item: Item, n: number): ItemResult {
    const forced = this.itemStatus(item.id, n);
    if (forced !== null) return { index: { _id: item.id, status: forced, error: { type: 'forced', reason: `status ${forced}` } } };
    const stored = this.docs.get(item.id);
    if (stored !== undefined && stored.version > item.version) {
      return { index: { _id: item.id, status: 409, error: { type: 'version_conflict_engine_exception', reason: 'conflict' } } };
    }
    this.docs.set(item.id, { version: item.version, score: item.doc.weir.score });
    return { index: { _id: item.id, status: stored === undefined ? 201 : 200, result: stored === undefined ? 'created' : 'updated' } };
  }

  async putIndexTemplate(): Promise<void> {}
}

interface Harness {
  sink: BulkSink;
  es: FakeBulk;
  dead: Array<{ record: ScoreRecord; reason: DeadLetterReason }>;
  reports: SinkMetrics[];
}

function harness(overrides: Partial<Omit<BulkSinkOptions, 'batch'>> & { batch?: Partial<BulkSinkOptions['batch']> } = {}): Harness {
  const es = new FakeBulk();
  const dead: Harness['dead'] = [];
  const reports: SinkMetrics[] = [];
  const sink = new BulkSink({
    client: es,
    indexPrefix: 'weir-test',
    retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 2 },
    deadLetter: (record, reason) => void dead.push({ record, reason }),
    onMetrics: (m) => void reports.push(m),
    ...overrides,
    batch: { maxDocs: 3, maxBytes: 1024 * 1024, flushIntervalMs: 60_000, queueDocs: 6, ...overrides.batch },
  });
  return { sink, es, dead, reports };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

test('a full batch goes out at once; the rest waits for flush()', async () => {
  const { sink, es } = harness();
  for (const id of ['a', 'b', 'c', 'd']) await sink.write(score(id));
  await tick();
  assert.deepEqual(es.requests, [['a', 'b', 'c']]);
  await sink.flush();
  assert.deepEqual(es.requests, [['a', 'b', 'c'], ['d']]);
  assert.deepEqual(sink.metrics(), {
    written: 4, indexed: 4, replaced: 0, staleIgnored: 0, coalesced: 0, retried: 0, deadLettered: 0, bulkRequests: 2, failedRequests: 0, held: 0,
  });
  await sink.close();
});

test('batches are cut by bytes too, and a document larger than the limit goes alone', async () => {
  const { sink, es } = harness({ batch: { maxDocs: 100, maxBytes: 1500 } });
  const big = 'x'.repeat(2000);
  await sink.write(score('a'));
  await sink.write(score('b', { userAgent: big }));
  await sink.write(score('c'));
  await sink.flush();
  assert.deepEqual(es.requests, [['a'], ['b'], ['c']]);
  await sink.close();
});

test('the flush interval sends a batch that never fills', async () => {
  const { sink, es } = harness({ batch: { flushIntervalMs: 20 } });
  await sink.write(score('a'));
  assert.deepEqual(es.requests, []);
  await new Promise((resolve) => setTimeout(resolve, 60));
  assert.deepEqual(es.requests, [['a']]);
  await sink.close();
});

test('back-pressure: write() waits while the queue is full, and resumes in order as batches complete', async () => {
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  const { sink, es } = harness({ batch: { maxDocs: 3, queueDocs: 4 } });
  es.before = () => gate;
  for (const id of ['a', 'b', 'c', 'd']) await sink.write(score(id));
  const order: string[] = [];
  const blocked = ['e', 'f'].map((id) => sink.write(score(id)).then(() => void order.push(id)));
  await tick();
  assert.deepEqual(order, [], 'the queue holds 4: the fifth write waits');
  assert.equal(sink.metrics().held, 4);
  open();
  await Promise.all(blocked);
  assert.deepEqual(order, ['e', 'f']);
  await sink.flush();
  assert.equal(es.docs.size, 6);
  await sink.close();
});

test('flush() waits for the batch in flight, and for nothing written after it', async () => {
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  const { sink, es } = harness();
  es.before = (n) => (n === 0 ? gate : Promise.resolve());
  await sink.write(score('a'));
  let flushed = false;
  const flushing = sink.flush().then(() => (flushed = true));
  await tick();
  await sink.write(score('b'));
  assert.equal(flushed, false);
  open();
  await flushing;
  assert.ok(es.docs.has('a'));
  await sink.close();
  assert.ok(es.docs.has('b'), 'close() flushes the rest');
});

test('two buffered scores of one session: only the newer is sent, whatever the order written', async () => {
  const { sink, es } = harness();
  await sink.write(score('a', { score: 0.2, scoredAt: T0 + 1000 }));
  await sink.write(score('a', { score: 0.9, scoredAt: T0 + 2000 }));
  await sink.write(score('b', { score: 0.9, scoredAt: T0 + 2000 }));
  await sink.write(score('b', { score: 0.2, scoredAt: T0 + 1000 }));
  await sink.flush();
  assert.deepEqual(es.requests, [['a', 'b']]);
  assert.equal(es.docs.get('a')!.score, 0.9);
  assert.equal(es.docs.get('b')!.score, 0.9);
  assert.equal(sink.metrics().coalesced, 2);
  await sink.close();
});

test('a shadow score is its own document beside the live one', async () => {
  const { sink, es } = harness();
  await sink.write(score('a', { score: 0.9 }));
  await sink.write(score('a', { score: 0.1, shadow: true }));
  await sink.flush();
  assert.deepEqual([...es.docs.keys()].sort(), ['a', 'a:shadow']);
  await sink.close();
});

test('a score of the same millisecond replaces the stored one (external_gte): a session closed in the batch of its last update', async () => {
  const { sink, es } = harness();
  await sink.write(score('a', { score: 0.6, scoredAt: T0 + 2000 }));
  await sink.flush();
  await sink.write(score('a', { score: 0.95, scoredAt: T0 + 2000, closed: true }));
  await sink.flush();
  assert.equal(es.docs.get('a')!.score, 0.95);
  assert.equal(sink.metrics().replaced, 1);
  assert.equal(sink.metrics().staleIgnored, 0);
  await sink.close();
});

test('an older score in its own batch gets a 409 and is counted as stale', async () => {
  const { sink, es } = harness();
  await sink.write(score('a', { score: 0.9, scoredAt: T0 + 2000 }));
  await sink.flush();
  await sink.write(score('a', { score: 0.1, scoredAt: T0 + 1000 }));
  await sink.flush();
  assert.equal(es.docs.get('a')!.score, 0.9);
  assert.equal(sink.metrics().staleIgnored, 1);
  assert.equal(sink.metrics().deadLettered, 0);
  await sink.close();
});

test('a connection failure retries the whole request; a 429 item retries just that item', async () => {
  const { sink, es, dead } = harness();
  es.before = async (n) => {
    if (n === 0) throw new errors.ConnectionError('connect ECONNREFUSED 127.0.0.1:19200', {} as never);
  };
  es.itemStatus = (id, n) => (id === 'b' && n === 1 ? 429 : null);
  for (const id of ['a', 'b', 'c']) await sink.write(score(id));
  await sink.flush();
  assert.deepEqual(es.requests, [['a', 'b', 'c'], ['a', 'b', 'c'], ['b']]);
  assert.equal(es.docs.size, 3);
  assert.deepEqual(dead, []);
  const m = sink.metrics();
  assert.equal(m.retried, 4);
  assert.equal(m.failedRequests, 1);
  assert.equal(m.bulkRequests, 3);
  await sink.close();
});

test('retries run out: the documents are dead-lettered with the last failure', async () => {
  const { sink, es, dead } = harness();
  es.itemStatus = (id) => (id === 'b' ? 503 : null);
  await sink.write(score('a'));
  await sink.write(score('b'));
  await sink.flush();
  assert.equal(es.requests.length, 3, 'maxAttempts 3');
  assert.equal(dead.length, 1);
  assert.equal(dead[0]!.record.sessionId, 'b');
  assert.deepEqual(dead[0]!.reason, {
    kind: 'retries-exhausted', status: 503, errorType: null, message: 'forced: status 503', attempts: 3, index: 'weir-test-2026.11.25', id: 'b',
  });
  await sink.close();
});

test('ES unreachable for longer than every attempt allows: the batch waits and is indexed once ES answers, nothing dead-lettered', async () => {
  const { sink, es, dead } = harness();
  // maxAttempts is 3: an outage of 6 failed requests (timeouts, then refused connections) outlasts it.
  es.before = async (n) => {
    if (n < 3) throw new errors.TimeoutError('Request timed out', {} as never);
    if (n < 6) throw new errors.ConnectionError('connect ECONNREFUSED', {} as never);
  };
  await sink.write(score('a'));
  await sink.write(score('b'));
  await sink.flush();
  assert.deepEqual(dead, [], 'an outage dead-letters nothing');
  assert.equal(es.requests.length, 7, 'six failed requests, then the one that went through');
  assert.deepEqual([...es.docs.keys()].sort(), ['a', 'b'], 'every document indexed once ES answered');
  assert.equal(sink.metrics().deadLettered, 0);
  await sink.close();
});

test('ES unreachable while the sink closes: the attempts count again, so shutdown ends (dead letters, nothing lost)', async () => {
  const { sink, es, dead } = harness();
  es.before = async () => {
    throw new errors.TimeoutError('Request timed out', {} as never);
  };
  await sink.write(score('a'));
  await sink.close();
  assert.deepEqual(dead.map((d) => [d.record.sessionId, d.reason.kind]), [['a', 'retries-exhausted']]);
  assert.match(dead[0]!.reason.message, /TimeoutError: Request timed out/);
});

test('a rejected document is dead-lettered at once while the rest of its batch is indexed', async () => {
  const { sink, es, dead } = harness();
  es.itemStatus = (id) => (id === 'b' ? 400 : null);
  for (const id of ['a', 'b', 'c']) await sink.write(score(id));
  await sink.flush();
  assert.equal(es.requests.length, 1, '400 is not retried');
  assert.deepEqual([...es.docs.keys()].sort(), ['a', 'c']);
  assert.deepEqual(dead.map((d) => [d.record.sessionId, d.reason.kind, d.reason.status, d.reason.errorType]), [['b', 'rejected', 400, 'forced']]);
  await sink.close();
});

test('a record that cannot be a document is dead-lettered by write() and never sent', async () => {
  const { sink, es, dead } = harness();
  await sink.write(score('a', { score: Number.NaN }));
  await sink.flush();
  assert.deepEqual(es.requests, []);
  assert.equal(dead.length, 1);
  assert.equal(dead[0]!.reason.kind, 'invalid');
  assert.match(dead[0]!.reason.message, /score NaN is not between 0 and 1/);
  await sink.close();
});

test('a request ES refuses for good (401) stops the sink: flush, write and close reject with WEIR_ES_REQUEST', async () => {
  const { sink, es } = harness();
  es.before = async () => {
    throw new errors.ResponseError({ body: { error: { type: 'security_exception', reason: 'unable to authenticate' } }, statusCode: 401, headers: {}, warnings: null, meta: {} as never });
  };
  await sink.write(score('a'));
  const isRequest = (err: unknown) => isEsSinkError(err, 'WEIR_ES_REQUEST') && /401: security_exception: unable to authenticate/.test(err.message);
  await assert.rejects(sink.flush(), isRequest);
  await assert.rejects(sink.write(score('b')), isRequest);
  await assert.rejects(sink.close(), isRequest);
  assert.equal(es.requests.length, 1, 'not retried');
});

test('a dead-letter callback that fails stops the sink with WEIR_ES_DEAD_LETTER', async () => {
  const { sink, es } = harness({
    deadLetter: async () => {
      throw new Error('dlq topic unavailable');
    },
  });
  es.itemStatus = (id) => (id === 'b' ? 400 : null);
  await sink.write(score('a'));
  await sink.write(score('b'));
  await assert.rejects(sink.flush(), (err) => isEsSinkError(err, 'WEIR_ES_DEAD_LETTER') && /dlq topic unavailable/.test(err.message));
  await assert.rejects(sink.write(score('c')), (err) => isEsSinkError(err, 'WEIR_ES_DEAD_LETTER'));
  await assert.rejects(sink.close());
});

test('close() refuses new writes and reports through onMetrics', async () => {
  const { sink, reports } = harness();
  await sink.write(score('a'));
  await sink.close();
  await assert.rejects(sink.write(score('b')), (err) => isEsSinkError(err, 'WEIR_ES_CLOSED'));
  assert.equal(reports.length, 1);
  assert.equal(reports[0]!.indexed, 1);
  assert.equal(reports[0]!.held, 0);
});

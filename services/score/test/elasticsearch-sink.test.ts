/**
 * The sink against the REAL Elasticsearch named by ELASTICSEARCH_URL (`pnpm test` starts one).
 * Without one these tests FAIL: a suite that skips would pass on a machine that tests nothing.
 * Every test writes under its own index prefix of this run; all of them are deleted at the end.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { errors, type Client } from '@elastic/elasticsearch';
import type { ScoreRecord } from '@weir/contracts';
import {
  createEsClient,
  esSinkConfigFromEnv,
  indexNameFor,
  indexPatternOf,
  openScoreSink,
  readAliasOf,
  scoreDocument,
  sinkClientOf,
  templateNameOf,
  type BulkSink,
  type DeadLetterReason,
  type EsSinkConfig,
  type SinkClient,
} from '../src/elasticsearch/index.js';

const RUN = `weir-test-${process.pid}-${randomBytes(3).toString('hex')}`;
const T0 = Date.UTC(2026, 10, 25, 9, 30);
const prefixes: string[] = [];
let admin: Client | null = null;

function configFor(prefix: string): EsSinkConfig {
  if (!process.env.ELASTICSEARCH_URL) {
    throw new Error('ELASTICSEARCH_URL is not set: these tests need a real Elasticsearch 7.17 (run them with `pnpm test`, which starts one)');
  }
  return esSinkConfigFromEnv({
    ...process.env,
    WEIR_ES_INDEX_PREFIX: prefix,
    // One node: a replica could never be assigned.
    WEIR_ES_REPLICAS: '0',
    WEIR_ES_FLUSH_INTERVAL: '50ms',
    WEIR_ES_RETRY_BASE_DELAY: '10ms',
    WEIR_ES_RETRY_MAX_DELAY: '100ms',
  });
}

let reachable: Promise<Client> | null = null;

/** The admin client, once ES has answered; a clear failure when it does not. */
function es(): Promise<Client> {
  reachable ??= (async () => {
    const config = configFor(RUN);
    const client = createEsClient(config.connection);
    try {
      const info = await client.info();
      const version: unknown = info.body.version?.number;
      assert.ok(typeof version === 'string' && version.startsWith('7.'), `expected Elasticsearch 7.x, got ${String(version)}`);
    } catch (err) {
      await client.close();
      const why = err instanceof Error ? err.message : String(err);
      throw new Error(`Elasticsearch at ELASTICSEARCH_URL=${process.env.ELASTICSEARCH_URL} is not reachable: ${why}`);
    }
    admin = client;
    return client;
  })();
  return reachable;
}

after(async () => {
  if (admin === null) return;
  for (const prefix of prefixes) {
    await admin.indices.delete({ index: indexPatternOf(prefix), allow_no_indices: true });
    await admin.indices.deleteIndexTemplate({ name: templateNameOf(prefix) }, { ignore: [404] });
  }
  await admin.close();
});

function newPrefix(): string {
  const prefix = `${RUN}-${prefixes.length}`;
  prefixes.push(prefix);
  return prefix;
}

function score(sessionId: string, overrides: Partial<ScoreRecord> = {}): ScoreRecord {
  return {
    customer: 'acme',
    sessionId,
    sessionKey: `198.51.100.7|Mozilla/5.0 ${sessionId}`,
    clientIp: '198.51.100.7',
    userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0',
    firstTime: T0,
    lastTime: T0 + 90_000,
    requestCount: 14,
    closed: false,
    score: 0.12,
    label: 'human',
    modelVersion: 'mlp-1',
    shadow: false,
    windowStart: T0 - 30 * 60_000,
    reasons: [{ feature: 'request_rate', value: 0.2, baselineMedian: 0.3, robustZ: -0.4, contribution: 0.1 }],
    scoredAt: T0 + 91_000,
    ...overrides,
  };
}

interface Opened {
  sink: BulkSink;
  prefix: string;
  client: Client;
  dead: Array<{ record: ScoreRecord; reason: DeadLetterReason }>;
}

async function open(wrap?: (client: SinkClient) => SinkClient): Promise<Opened> {
  const client = await es();
  const prefix = newPrefix();
  const dead: Opened['dead'] = [];
  const deadLetter = (record: ScoreRecord, reason: DeadLetterReason) => void dead.push({ record, reason });
  const config = configFor(prefix);
  const sink = await openScoreSink(wrap === undefined ? { config, deadLetter } : { config, deadLetter, client: wrap(sinkClientOf(client)) });
  return { sink, prefix, client, dead };
}

type Source = Record<string, unknown>;
interface Hit {
  _id: string;
  _index: string;
  _version?: number;
  _source: Source;
}

async function search(client: Client, prefix: string, query: Record<string, unknown>): Promise<Hit[]> {
  await client.indices.refresh({ index: readAliasOf(prefix) });
  const response = await client.search({ index: readAliasOf(prefix), body: { query, size: 100, version: true, sort: ['_id'] } });
  const hits: Hit[] = response.body.hits.hits;
  return hits;
}

const ids = (hits: Hit[]) => hits.map((h) => h._id);

test('the template gives each daily index the explicit mapping and the read alias; documents keep their ECS shape', async () => {
  const { sink, prefix, client, dead } = await open();
  const record = score('s-shape', { label: 'bot', score: 0.97 });
  await sink.write(record);
  await sink.flush();
  assert.deepEqual(dead, []);

  const index = indexNameFor(prefix, T0);
  const mapping = (await client.indices.getMapping({ index })).body[index].mappings;
  assert.equal(mapping.dynamic, 'strict');
  assert.equal(mapping.properties.source.properties.ip.type, 'ip');
  assert.equal(mapping.properties.weir.properties.reasons.type, 'nested');
  assert.equal(mapping.properties.weir.properties.customer.type, 'keyword');
  assert.equal(mapping.properties.event.properties.duration.type, 'long');
  const aliases = (await client.indices.getAlias({ index })).body[index].aliases;
  assert.deepEqual(Object.keys(aliases), [readAliasOf(prefix)]);

  const stored = await client.get({ index, id: 's-shape' });
  assert.deepEqual(stored.body._source, JSON.parse(JSON.stringify(scoreDocument(record))));
  assert.equal(stored.body._version, record.scoredAt);
  await sink.close();
});

test('a field the mapping does not name is refused (dynamic: strict), so a typo fails loudly', async () => {
  const { sink, prefix, client } = await open();
  await sink.write(score('s-strict'));
  await sink.close();
  const index = indexNameFor(prefix, T0);
  const source = { ...JSON.parse(JSON.stringify(scoreDocument(score('s-typo')))), weir_typo: 1 };
  await assert.rejects(client.index({ index, id: 's-typo', body: source }), (err) => {
    return err instanceof errors.ResponseError && err.statusCode === 400 && /strict_dynamic_mapping_exception/.test(err.message);
  });
  const nested = JSON.parse(JSON.stringify(scoreDocument(score('s-typo-2'))));
  nested.weir.sesion_id = 'oops';
  await assert.rejects(client.index({ index, id: 's-typo-2', body: nested }), /strict_dynamic_mapping_exception/);
});

test("a session's newer score replaces its document; its shadow score is a second one", async () => {
  const { sink, prefix, client, dead } = await open();
  await sink.write(score('s-twice', { score: 0.3, label: 'human', scoredAt: T0 + 91_000 }));
  await sink.flush();
  await sink.write(score('s-twice', { score: 0.91, label: 'bot', lastTime: T0 + 300_000, requestCount: 80, scoredAt: T0 + 301_000 }));
  await sink.write(score('s-twice', { score: 0.5, label: 'suspicious', shadow: true, scoredAt: T0 + 301_000 }));
  await sink.flush();
  assert.deepEqual(dead, []);

  const hits = await search(client, prefix, { term: { 'weir.session_id': 's-twice' } });
  assert.deepEqual(ids(hits), ['s-twice', 's-twice:shadow']);
  const live = hits[0]!;
  assert.equal(live._version, T0 + 301_000);
  assert.deepEqual(live._source.weir && (live._source.weir as Source).score, 0.91);
  assert.equal((live._source.weir as Source).request_count, 80);
  assert.equal((live._source.event as Source).kind, 'alert');
  assert.equal((hits[1]!._source.event as Source).kind, 'event', 'a shadow score never alerts');
  const m = sink.metrics();
  assert.equal(m.indexed, 3);
  assert.equal(m.replaced, 1);
  await sink.close();
});

test('an older score written after a newer one is ignored (version conflict counted, not an error)', async () => {
  const { sink, prefix, client, dead } = await open();
  await sink.write(score('s-late', { score: 0.88, label: 'bot', scoredAt: T0 + 200_000 }));
  await sink.flush();
  await sink.write(score('s-late', { score: 0.05, label: 'human', scoredAt: T0 + 100_000 }));
  await sink.flush();
  assert.deepEqual(dead, []);
  const hits = await search(client, prefix, { term: { 'weir.session_id': 's-late' } });
  assert.equal(hits.length, 1);
  assert.equal((hits[0]!._source.weir as Source).score, 0.88);
  assert.equal(hits[0]!._version, T0 + 200_000);
  assert.equal(sink.metrics().staleIgnored, 1);
  assert.equal(sink.metrics().indexed, 1);
  await sink.close();
});

test("a document ES rejects goes to the dead letter with ES's reason; the rest of its batch is indexed", async () => {
  const { sink, prefix, client, dead } = await open();
  await sink.write(score('s-ok-1'));
  await sink.write(score('s-bad-ip', { clientIp: 'not-an-ip' }));
  await sink.write(score('s-ok-2'));
  await sink.flush();

  assert.equal(dead.length, 1);
  assert.equal(dead[0]!.record.sessionId, 's-bad-ip');
  const reason = dead[0]!.reason;
  assert.equal(reason.kind, 'rejected');
  assert.equal(reason.status, 400);
  assert.equal(reason.errorType, 'mapper_parsing_exception');
  assert.match(reason.message, /source\.ip/);
  assert.match(reason.message, /not-an-ip/);
  assert.equal(reason.attempts, 1, 'a 400 is not retried');
  assert.equal(reason.id, 's-bad-ip');

  const hits = await search(client, prefix, { match_all: {} });
  assert.deepEqual(ids(hits), ['s-ok-1', 's-ok-2']);
  const m = sink.metrics();
  assert.equal(m.bulkRequests, 1, 'one batch');
  assert.equal(m.indexed, 2);
  assert.equal(m.deadLettered, 1);
  await sink.close();
});

test('search by label, source.ip (address and CIDR), customer and reason works through the alias', async () => {
  const { sink, prefix, client } = await open();
  await sink.write(score('s-bot-1', { clientIp: '10.1.2.3', label: 'bot', score: 0.95, customer: 'acme',
    reasons: [{ feature: 'request_rate', value: 40, baselineMedian: 0.3, robustZ: 18, contribution: 0.7 }] }));
  await sink.write(score('s-bot-2', { clientIp: '10.1.9.9', label: 'bot', score: 0.9, customer: 'globex',
    reasons: [{ feature: 'ua_is_tool', value: 1, baselineMedian: 0, robustZ: null, contribution: 0.5 }] }));
  await sink.write(score('s-human', { clientIp: '2001:db8::1', label: 'human', score: 0.02 }));
  // A session that started the next day: another daily index, still found through the alias.
  await sink.write(score('s-bot-3', { clientIp: '10.1.2.3', label: 'bot', score: 0.99, firstTime: T0 + 86_400_000, lastTime: T0 + 86_460_000, scoredAt: T0 + 86_461_000 }));
  await sink.flush();

  assert.deepEqual(ids(await search(client, prefix, { term: { 'weir.label': 'bot' } })), ['s-bot-1', 's-bot-2', 's-bot-3']);
  assert.deepEqual(ids(await search(client, prefix, { query_string: { query: 'weir.label:bot AND organization.id:acme' } })), ['s-bot-1', 's-bot-3']);
  assert.deepEqual(ids(await search(client, prefix, { term: { 'source.ip': '10.1.2.3' } })), ['s-bot-1', 's-bot-3']);
  assert.deepEqual(ids(await search(client, prefix, { term: { 'source.ip': '10.1.0.0/16' } })), ['s-bot-1', 's-bot-2', 's-bot-3']);
  assert.deepEqual(ids(await search(client, prefix, { term: { 'source.ip': '2001:db8::/32' } })), ['s-human']);
  assert.deepEqual(ids(await search(client, prefix, { range: { 'event.risk_score': { gte: 90 } } })), ['s-bot-1', 's-bot-2', 's-bot-3']);
  const nested = {
    nested: {
      path: 'weir.reasons',
      query: { bool: { filter: [{ term: { 'weir.reasons.feature': 'request_rate' } }, { range: { 'weir.reasons.robust_z': { gt: 5 } } }] } },
    },
  };
  assert.deepEqual(ids(await search(client, prefix, nested)), ['s-bot-1']);
  const indices = new Set((await search(client, prefix, { match_all: {} })).map((h) => h._index));
  assert.deepEqual([...indices].sort(), [indexNameFor(prefix, T0), indexNameFor(prefix, T0 + 86_400_000)]);
  await sink.close();
});

/**
 * In front of the real node: the first bulk request fails as if the connection dropped; in the
 * second, one document is held back and answered with a 429 (as ES does when its write queue is
 * full), the others really go to ES. The sink must retry the request, then just that document.
 */
function flaky(inner: SinkClient, calls: string[]): SinkClient {
  let n = 0;
  return {
    putIndexTemplate: (name, body) => inner.putIndexTemplate(name, body),
    async bulk(ndjson) {
      const call = n++;
      const lines = ndjson.split('\n').filter((l) => l !== '');
      const docIds = lines.filter((_, i) => i % 2 === 0).map((l) => String(JSON.parse(l).index._id));
      calls.push(docIds.join(','));
      if (call === 0) throw new errors.ConnectionError('socket hang up (simulated)', {} as never);
      if (call !== 1 || docIds.length < 2) return inner.bulk(ndjson);
      const held = 1;
      const rest = [...lines.slice(0, 2 * held), ...lines.slice(2 * held + 2)].map((l) => `${l}\n`).join('');
      const body = (await inner.bulk(rest)) as { errors: boolean; items: unknown[] };
      const rejected = { index: { _id: docIds[held], status: 429, error: { type: 'es_rejected_execution_exception', reason: 'simulated full write queue' } } };
      body.items.splice(held, 0, rejected);
      return { ...body, errors: true };
    },
  };
}

test('a dropped connection and a 429 item are retried until ES has every document', async () => {
  const calls: string[] = [];
  const { sink, prefix, client, dead } = await open((inner) => flaky(inner, calls));
  for (const id of ['s-r1', 's-r2', 's-r3']) await sink.write(score(id));
  await sink.flush();
  assert.deepEqual(calls, ['s-r1,s-r2,s-r3', 's-r1,s-r2,s-r3', 's-r2']);
  assert.deepEqual(dead, []);
  assert.deepEqual(ids(await search(client, prefix, { match_all: {} })), ['s-r1', 's-r2', 's-r3']);
  const m = sink.metrics();
  assert.equal(m.indexed, 3);
  assert.equal(m.retried, 4, 'three documents once, then one');
  assert.equal(m.failedRequests, 1);
  await sink.close();
});

/**
 * Elasticsearch down is an outage, not bad data: the score service's Elasticsearch copy, on the
 * real ES behind a proxy that is switched off mid-stream, holds its records (nothing goes to
 * `weir.scores.es-dlq`), reports the wait (readiness, metric), and indexes every score once ES
 * is back.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { SCORES_TOPIC, type ScoreRecord } from '@weir/contracts';
import { topicIn } from '@weir/pipeline';
import { createEmbeddedBus, noopMetrics, silentLogger, StageHealth, type StageMetrics } from '@weir/stream';
import { Registry } from 'prom-client';
import { switchableProxy } from '../../../scripts/infra/switchable-proxy.js';
import { loadScoreConfig } from '../src/config.js';
import { createEsClient, indexPatternOf, templateNameOf } from '../src/elasticsearch/index.js';
import { runElasticsearchCopy } from '../src/elasticsearch-stage.js';
import { ES_DEAD_LETTER_TOPIC, scoreTopicsSerde } from '../src/topics.js';

const T0 = Date.UTC(2026, 10, 25, 9, 30);

const score = (sessionId: string): ScoreRecord => ({
  customer: 'acme', sessionId, sessionKey: `198.51.100.7|${sessionId}`, clientIp: '198.51.100.7', userAgent: 'curl/8',
  firstTime: T0, lastTime: T0 + 90_000, requestCount: 14, closed: true, score: 0.12, label: 'human', modelVersion: 'mlp-1',
  shadow: false, windowStart: T0 - 60_000, reasons: [], scoredAt: T0 + 91_000,
});

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('Elasticsearch down mid-stream: scores wait (readiness false, counted), none is dead-lettered, all arrive once it is back', { timeout: 120_000 }, async () => {
  const esUrl = process.env.ELASTICSEARCH_URL;
  assert.ok(esUrl, 'ELASTICSEARCH_URL names the real Elasticsearch (pnpm test sets it)');
  const run = `outage${randomBytes(3).toString('hex')}`;
  const prefix = `weir-test-${run}`;
  const proxy = await switchableProxy(esUrl.split(',')[0]!, { up: true });
  const config = loadScoreConfig({
    ...process.env,
    WEIR_BUS: 'embedded',
    WEIR_TOPIC_NAMESPACE: run,
    ELASTICSEARCH_URL: proxy.url,
    WEIR_ES_INDEX_PREFIX: prefix,
    WEIR_ES_REPLICAS: '0',
    WEIR_ES_FLUSH_INTERVAL: '50ms',
    WEIR_ES_RETRY_ATTEMPTS: '2',
    WEIR_ES_RETRY_BASE_DELAY: '10ms',
    WEIR_ES_RETRY_MAX_DELAY: '50ms',
  });
  assert.ok(config.elasticsearch);
  const bus = createEmbeddedBus();
  const scores = topicIn(run, SCORES_TOPIC);
  await bus.admin.createTopics([{ topic: scores, partitions: 1 }]);
  const serde = scoreTopicsSerde<ScoreRecord>(run);

  const health = new StageHealth();
  const retries: string[] = [];
  const waiting: boolean[] = [];
  const metrics: StageMetrics = { ...noopMetrics, retry: (op) => retries.push(op), waiting: (op, value) => op === 'process' && waiting.push(value) };
  const abort = new AbortController();
  const logger = silentLogger();
  const copying = runElasticsearchCopy({
    config,
    sink: config.elasticsearch,
    context: { bus, signal: abort.signal, logger, metrics, registry: new Registry(), health },
    metrics,
  });
  const admin = createEsClient({ ...config.elasticsearch.connection, nodes: [esUrl.split(',')[0]!] });
  /** Documents searchable now; -1 while the daily index the sink just created has no shard ready yet. */
  const indexed = async (): Promise<number> => {
    try {
      await admin.indices.refresh({ index: indexPatternOf(prefix), allow_no_indices: true });
      const { body } = await admin.count({ index: indexPatternOf(prefix), allow_no_indices: true });
      return Number(body.count);
    } catch (err) {
      if (err instanceof Error && /no_shard_available/.test(err.message)) return -1;
      throw err;
    }
  };
  try {
    const producer = await bus.producer();
    await producer.send([{ topic: scores, key: 'first', value: await serde.encode(scores, score('first')) }]);
    await until('the first score in Elasticsearch', async () => (await indexed()) === 1);

    proxy.up = false;
    await producer.send(await Promise.all(['a', 'b', 'c'].map(async (id) => ({ topic: scores, key: id, value: await serde.encode(scores, score(id)) }))));
    await until('the copy to retry the held chunk', () => retries.filter((op) => op === 'process').length >= 2);
    await assert.rejects(health.check(), { code: 'WEIR_DEPENDENCY_UNAVAILABLE', message: /score-elasticsearch process: .*WEIR_ES_UNAVAILABLE/ });
    assert.deepEqual(waiting, [true]);

    proxy.up = true;
    await until('every score in Elasticsearch', async () => (await indexed()) === 4);
    await until('the wait to end', () => waiting.length === 2);
    await health.check();
    assert.equal((await bus.admin.fetchTopicOffsets(topicIn(run, ES_DEAD_LETTER_TOPIC)))[0]!.high, 0, 'nothing dead-lettered');
    await producer.close();
  } finally {
    abort.abort();
    await copying;
    await admin.indices.delete({ index: indexPatternOf(prefix), allow_no_indices: true });
    await admin.indices.deleteIndexTemplate({ name: templateNameOf(prefix) }, { ignore: [404] });
    await admin.close();
    await bus.close();
    await proxy.close();
  }
});

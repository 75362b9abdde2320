import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ScoreRecord } from '@weir/contracts';
import { bulkLines, documentIdOf, scoreDocument, scoreDocumentAction } from '../src/elasticsearch/document.js';
import { isEsSinkError } from '../src/elasticsearch/errors.js';
import { indexNameFor, indexPatternOf, readAliasOf } from '../src/elasticsearch/index-name.js';
import { scoreIndexTemplate, SCORE_MAPPINGS, type IndexTemplateBody } from '../src/elasticsearch/index-template.js';

const START = Date.UTC(2026, 10, 25, 23, 58, 0);

function score(overrides: Partial<ScoreRecord> = {}): ScoreRecord {
  return {
    customer: 'acme',
    sessionId: 'a1b2c3',
    sessionKey: '203.0.113.9|curl/8.5.0',
    clientIp: '203.0.113.9',
    userAgent: 'curl/8.5.0',
    firstTime: START,
    lastTime: START + 4 * 60_000,
    requestCount: 120,
    closed: true,
    score: 0.97,
    label: 'bot',
    modelVersion: 'mlp-7f3a',
    shadow: false,
    windowStart: Date.UTC(2026, 10, 25, 23, 0, 0),
    reasons: [
      { feature: 'request_rate', value: 30, baselineMedian: 0.4, robustZ: 12.5, contribution: 0.6 },
      { feature: 'ua_is_tool', value: 1, baselineMedian: null, robustZ: null, contribution: 0.3 },
    ],
    scoredAt: START + 4 * 60_000 + 250,
    ...overrides,
  };
}

test('a score becomes an ECS document with the rest under weir.*', () => {
  const doc = scoreDocument(score());
  assert.equal(doc['@timestamp'], '2026-11-26T00:02:00.250Z');
  assert.deepEqual(doc.event, {
    kind: 'alert',
    category: ['web'],
    type: ['info'],
    module: 'weir',
    dataset: 'weir.scores',
    start: '2026-11-25T23:58:00.000Z',
    end: '2026-11-26T00:02:00.000Z',
    duration: 4 * 60 * 1e9,
    risk_score: 97,
    risk_score_norm: 97,
  });
  assert.deepEqual(doc.source, { ip: '203.0.113.9' });
  assert.deepEqual(doc.user_agent, { original: 'curl/8.5.0' });
  assert.deepEqual(doc.organization, { id: 'acme' });
  assert.equal(doc.ecs.version, '1.12.0');
  assert.deepEqual(doc.weir, {
    customer: 'acme',
    session_id: 'a1b2c3',
    session_key: '203.0.113.9|curl/8.5.0',
    score: 0.97,
    label: 'bot',
    model_version: 'mlp-7f3a',
    shadow: false,
    window_start: '2026-11-25T23:00:00.000Z',
    request_count: 120,
    closed: true,
    reasons: [
      { feature: 'request_rate', value: 30, baseline_median: 0.4, robust_z: 12.5, contribution: 0.6 },
      { feature: 'ua_is_tool', value: 1, baseline_median: null, robust_z: null, contribution: 0.3 },
    ],
  });
});

test('only an acted-upon bot verdict is an alert', () => {
  assert.equal(scoreDocument(score({ label: 'bot', shadow: true })).event.kind, 'event');
  assert.equal(scoreDocument(score({ label: 'suspicious', score: 0.6 })).event.kind, 'event');
  assert.equal(scoreDocument(score({ label: 'human', score: 0.01 })).event.kind, 'event');
});

test('absent values stay absent or null, never NaN in the JSON', () => {
  const doc = scoreDocument(
    score({
      userAgent: null,
      windowStart: null,
      reasons: [{ feature: 'gap_cv', value: Number.NaN, baselineMedian: Infinity, robustZ: -Infinity, contribution: 0.1 }],
    }),
  );
  assert.equal('user_agent' in doc, false);
  assert.equal(doc.weir.window_start, null);
  assert.deepEqual(doc.weir.reasons, [{ feature: 'gap_cv', value: null, baseline_median: null, robust_z: null, contribution: 0.1 }]);
  assert.doesNotMatch(JSON.stringify(doc), /NaN|Infinity/);
});

test('risk scores are score × 100 without float noise', () => {
  assert.equal(scoreDocument(score({ score: 0.07 })).event.risk_score, 7);
  assert.equal(scoreDocument(score({ score: 0 })).event.risk_score_norm, 0);
  assert.equal(scoreDocument(score({ score: 1 })).event.risk_score_norm, 100);
});

test('one id per session, a separate one for its shadow score, versioned by scoredAt', () => {
  assert.equal(documentIdOf(score()), 'a1b2c3');
  assert.equal(documentIdOf(score({ shadow: true })), 'a1b2c3:shadow');
  const action = scoreDocumentAction(score(), 'weir-scores');
  assert.equal(action.id, 'a1b2c3');
  assert.equal(action.version, score().scoredAt);
});

test("a session's scores all go to the index of the day it started, even after midnight", () => {
  const early = scoreDocumentAction(score({ lastTime: START + 1000, scoredAt: START + 1200 }), 'weir-scores');
  const late = scoreDocumentAction(score({ scoredAt: START + 3 * 3_600_000 }), 'weir-scores');
  assert.equal(early.index, 'weir-scores-2026.11.25');
  assert.equal(late.index, 'weir-scores-2026.11.25');
  assert.equal(indexNameFor('p', Date.UTC(2027, 0, 5)), 'p-2027.01.05');
});

test('a record no document can represent fails with WEIR_ES_DOCUMENT', () => {
  for (const bad of [{ score: Number.NaN }, { score: 1.5 }, { scoredAt: Number.NaN }, { firstTime: Infinity }, { requestCount: -1 }]) {
    assert.throws(() => scoreDocumentAction(score(bad), 'weir-scores'), (err) => isEsSinkError(err, 'WEIR_ES_DOCUMENT'), JSON.stringify(bad));
  }
});

test('bulk lines: the action with an external_gte version, then the document', () => {
  const lines = bulkLines(scoreDocumentAction(score({ shadow: true }), 'weir-scores'));
  assert.ok(lines.endsWith('\n'));
  const [meta, source, rest] = lines.split('\n');
  assert.equal(rest, '');
  assert.deepEqual(JSON.parse(meta!), {
    index: { _index: 'weir-scores-2026.11.25', _id: 'a1b2c3:shadow', version: score().scoredAt, version_type: 'external_gte' },
  });
  assert.equal(JSON.parse(source!).weir.shadow, true);
});

/** Every leaf path of a document, arrays looked through (`weir.reasons.feature`). */
function leafPaths(value: unknown, prefix = ''): string[] {
  if (Array.isArray(value)) return [...new Set(value.flatMap((v) => leafPaths(v, prefix)))];
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value).flatMap(([k, v]) => leafPaths(v, prefix === '' ? k : `${prefix}.${k}`));
  }
  return [prefix];
}

function mappedPaths(properties: IndexTemplateBody['template']['mappings']['properties'], prefix = ''): string[] {
  return Object.entries(properties).flatMap(([name, mapping]) => {
    const path = prefix === '' ? name : `${prefix}.${name}`;
    return 'properties' in mapping ? mappedPaths(mapping.properties, path) : [path];
  });
}

test('the strict mapping names exactly the fields a full document has', () => {
  const written = leafPaths(scoreDocument(score())).sort();
  assert.deepEqual(mappedPaths(SCORE_MAPPINGS).sort(), written);
});

test('the index template: daily pattern, read alias, explicit strict mappings, ILM only when asked', () => {
  const plain = scoreIndexTemplate({ indexPrefix: 'weir-scores', shards: 2, replicas: 0, ilmPolicy: null });
  assert.equal(plain.name, 'weir-scores');
  assert.deepEqual(plain.body.index_patterns, [indexPatternOf('weir-scores')]);
  assert.deepEqual(plain.body.template.aliases, { [readAliasOf('weir-scores')]: {} });
  assert.equal(plain.body.template.mappings.dynamic, 'strict');
  assert.deepEqual(plain.body.template.settings, { 'index.number_of_shards': 2, 'index.number_of_replicas': 0 });
  const ilm = scoreIndexTemplate({ indexPrefix: 'weir-scores', shards: 1, replicas: 1, ilmPolicy: 'weir-30d' });
  assert.equal(ilm.body.template.settings['index.lifecycle.name'], 'weir-30d');
  assert.equal(ilm.body.template.settings['index.lifecycle.parse_origination_date'], true);
});

test("a prefix's index pattern matches its daily indices and not a longer prefix's", () => {
  const matches = (pattern: string, name: string) => new RegExp(`^${pattern.replace(/[.]/g, '\\.').replace('*', '.*')}$`).test(name);
  const pattern = indexPatternOf('weir-scores');
  assert.ok(matches(pattern, indexNameFor('weir-scores', START)));
  assert.ok(!matches(pattern, indexNameFor('weir-scores-eu', START)));
  assert.ok(!matches(pattern, readAliasOf('weir-scores')));
});

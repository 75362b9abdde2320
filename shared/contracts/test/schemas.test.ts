import { test } from 'node:test';
import assert from 'node:assert/strict';
import avro from 'avsc';
import { parseSchema } from '../src/avro.js';
import type { RequestEvent, ScoreRecord, SessionFeatures, WindowSummary } from '../src/records.js';
import { requestEventSchema, scoreRecordSchema, sessionFeaturesSchema, windowSummarySchema } from '../src/schemas.js';
import * as s from './samples.js';

// Compile-time: each TS record has exactly the fields of its schema (no more, no fewer).
type FieldNames<S extends { fields: readonly { name: string }[] }> = S['fields'][number]['name'];
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const fieldsAgree: [
  Same<keyof RequestEvent, FieldNames<typeof requestEventSchema>>,
  Same<keyof SessionFeatures, FieldNames<typeof sessionFeaturesSchema>>,
  Same<keyof WindowSummary, FieldNames<typeof windowSummarySchema>>,
  Same<keyof ScoreRecord, FieldNames<typeof scoreRecordSchema>>,
] = [true, true, true, true];
void fieldsAgree;

const cases = [
  { name: 'RequestEvent', schema: requestEventSchema, samples: [s.fullRequest, s.sparseRequest] },
  { name: 'SessionFeatures', schema: sessionFeaturesSchema, samples: [s.fullSession, s.sparseSession] },
  { name: 'WindowSummary', schema: windowSummarySchema, samples: [s.fullWindow, s.sparseWindow] },
  { name: 'ScoreRecord', schema: scoreRecordSchema, samples: [s.fullScore, s.sparseScore] },
] as const;

for (const { name, schema, samples } of cases) {
  test(`${name}: the schema parses, and full and sparse samples round-trip unchanged`, () => {
    // Plain avsc, without our options, must accept it too (other tools will parse it that way).
    assert.equal(avro.Type.forSchema(JSON.parse(JSON.stringify(schema)) as avro.Schema).name, `io.weir.${name}`);
    const type = parseSchema(schema);
    for (const sample of samples) {
      assert.ok(type.isValid(sample), `${name} sample is valid`);
      const back: unknown = type.fromBuffer(type.toBuffer(sample));
      // Strict: decoded records are plain objects, nulls stay null, empty maps stay empty.
      assert.deepStrictEqual(back, sample);
      assert.equal(Object.getPrototypeOf(back), Object.prototype);
    }
  });
}

test('timestamp-millis longs decode as epoch-ms numbers (not Date), up to year 9999', () => {
  const type = parseSchema(sessionFeaturesSchema);
  const back = type.fromBuffer(type.toBuffer(s.fullSession)) as SessionFeatures;
  assert.equal(typeof back.firstTime, 'number');
  assert.equal(back.lastTime, s.FAR_FUTURE);
  assert.equal(back.requestCount, 2 ** 40);
  const score = parseSchema(scoreRecordSchema);
  const scoreBack = score.fromBuffer(score.toBuffer(s.fullScore)) as ScoreRecord;
  assert.equal(scoreBack.windowStart, s.fullScore.windowStart, 'optional timestamp inside a union');
  const request = parseSchema(requestEventSchema);
  const pre1970 = { ...s.sparseRequest, eventTime: -86_400_000 };
  assert.deepStrictEqual(request.fromBuffer(request.toBuffer(pre1970)), pre1970);
});

test('the schema text keeps the logicalType annotation for other languages', () => {
  assert.match(JSON.stringify(requestEventSchema), /"logicalType":"timestamp-millis"/);
});

test('longs are exact from -2^52 to 2^53 - 2; beyond, they are refused rather than silently corrupted', () => {
  const type = parseSchema(requestEventSchema);
  const extremes = { ...s.sparseRequest, bytes: s.MAX_LONG, eventTime: s.MIN_LONG };
  assert.deepStrictEqual(type.fromBuffer(type.toBuffer(extremes)), extremes);
  // Plain avsc would write -2^52 - 1 and read back +2^52: a sign flip.
  for (const bad of [s.MIN_LONG - 1, -s.MAX_LONG, s.MAX_LONG + 1, 2 ** 60]) {
    const record = { ...s.sparseRequest, eventTime: bad };
    assert.throws(() => type.toBuffer(record), `${bad} refused`);
    const paths: string[][] = [];
    assert.equal(type.isValid(record, { errorHook: (p) => paths.push(p) }), false);
    assert.deepStrictEqual(paths, [['eventTime']]);
  }
  assert.equal(type.isValid({ ...s.sparseRequest, bytes: 1.5 }), false, 'no fractional longs');
});

test('fields with defaults may be omitted by writers and come back with their default', () => {
  const type = parseSchema(requestEventSchema);
  const { extra: _extra, userAgent: _ua, ...withoutDefaults } = s.sparseRequest;
  const back = type.fromBuffer(type.toBuffer(withoutDefaults)) as RequestEvent;
  assert.deepStrictEqual(back.extra, {});
  assert.equal(back.userAgent, null);
});

test('RequestEvent: an event written without unlogged (a producer older than the field) reads as every field logged', () => {
  const type = parseSchema(requestEventSchema);
  const { unlogged, ...older } = s.fullRequest;
  assert.deepEqual(unlogged, []);
  assert.ok(type.isValid(older), 'the field may be left out');
  assert.deepStrictEqual(type.fromBuffer(type.toBuffer(older)), { ...older, unlogged: [] });
});

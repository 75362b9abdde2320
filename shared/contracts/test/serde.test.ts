import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSchema } from '../src/avro.js';
import { ConfluentRegistry } from '../src/confluent-registry.js';
import { createRegistry, createSerde, processRegistry } from '../src/create-serde.js';
import { EmbeddedRegistry } from '../src/embedded-registry.js';
import { isContractError } from '../src/errors.js';
import type { RequestEvent, ScoreRecord } from '../src/records.js';
import type { SchemaRegistry } from '../src/registry.js';
import { RegistrySerde } from '../src/registry-serde.js';
import { requestEventSchema } from '../src/schemas.js';
import type { WeirRecord } from '../src/topic-schemas.js';
import * as s from './samples.js';

/** Counts the calls that reach the registry, to see the caches work. */
class CountingRegistry implements SchemaRegistry {
  registers = 0;
  lookups = 0;
  constructor(readonly inner: SchemaRegistry) {}
  register(subject: string, schema: string | object): Promise<number> {
    this.registers++;
    return this.inner.register(subject, schema);
  }
  schemaById(id: number): Promise<string | object> {
    this.lookups++;
    return this.inner.schemaById(id);
  }
}

test('every weir topic round-trips its record through the Confluent wire format', async () => {
  const registry = new EmbeddedRegistry();
  const serde = new RegistrySerde<WeirRecord>(registry);
  const cases: [string, WeirRecord][] = [
    ['weir.logs.acme', s.fullRequest],
    ['weir.logs.other_customer', s.sparseRequest],
    ['weir.sessions', s.fullSession],
    ['weir.windows', s.sparseWindow],
    ['weir.scores', s.fullScore],
  ];
  for (const [topic, record] of cases) {
    const bytes = await serde.encode(topic, record);
    const id = registry.versions(`${topic}-value`)[0]?.id;
    assert.ok(id !== undefined, `${topic}-value registered`);
    assert.equal(bytes[0], 0, 'magic byte');
    assert.equal(bytes.readUInt32BE(1), id, 'big-endian schema id');
    assert.deepStrictEqual(await serde.decode(topic, bytes), record);
  }
  // The Avro body is plain Avro binary of the record.
  const bytes = await serde.encode('weir.logs.acme', s.fullRequest);
  assert.deepStrictEqual(bytes.subarray(5), parseSchema(requestEventSchema).toBuffer(s.fullRequest));
  assert.deepStrictEqual(registry.subjectNames(), [
    'weir.logs.acme-value',
    'weir.logs.other_customer-value',
    'weir.scores-value',
    'weir.sessions-value',
    'weir.windows-value',
  ]);
});

test('bytes are interchangeable between serdes sharing a registry; ids are cached both ways', async () => {
  const registry = new CountingRegistry(new EmbeddedRegistry());
  const producer = new RegistrySerde<RequestEvent>(registry);
  const consumer = new RegistrySerde<RequestEvent>(registry);
  // Concurrent first encodes register once.
  const encoded = await Promise.all([1, 2, 3].map((i) => producer.encode('weir.logs.acme', { ...s.sparseRequest, status: i })));
  assert.equal(registry.registers, 1);
  await producer.decode('weir.logs.acme', encoded[0]!);
  assert.equal(registry.lookups, 0, 'a serde reads its own writes without fetching the schema');
  const decoded = await Promise.all(encoded.map((b) => consumer.decode('weir.logs.acme', b)));
  assert.deepStrictEqual(
    decoded.map((r) => r.status),
    [1, 2, 3],
  );
  assert.equal(registry.lookups, 1, 'the other serde fetched the writer schema once');
  await producer.encode('weir.logs.acme', s.fullRequest);
  assert.equal(registry.registers, 1);
  await producer.encode('weir.logs.beta', s.fullRequest);
  assert.equal(registry.registers, 2, 'one subject per topic (TopicNameStrategy)');
});

test('key serdes use <topic>-key subjects', async () => {
  const registry = new EmbeddedRegistry();
  const keySchema = { type: 'record', name: 'Key', namespace: 'io.weir', fields: [{ name: 'sessionId', type: 'string' }] };
  const keys = new RegistrySerde<{ sessionId: string }>(registry, { part: 'key', schemaOf: () => keySchema });
  const bytes = await keys.encode('weir.sessions', { sessionId: 's-1' });
  assert.deepStrictEqual(registry.subjectNames(), ['weir.sessions-key']);
  assert.deepStrictEqual(await keys.decode('weir.sessions', bytes), { sessionId: 's-1' });
});

test('errors carry codes: magic byte, short frame, unknown id, unknown topic', async () => {
  const serde = new RegistrySerde<WeirRecord>(new EmbeddedRegistry());
  const good = await serde.encode('weir.logs.acme', s.sparseRequest);
  const wrongMagic = Buffer.from(good);
  wrongMagic[0] = 1;
  await assert.rejects(serde.decode('weir.logs.acme', wrongMagic), { code: 'WEIR_SERDE_UNKNOWN_MAGIC_BYTE' });
  await assert.rejects(serde.decode('weir.logs.acme', Buffer.from('{"json":1}')), {
    code: 'WEIR_SERDE_UNKNOWN_MAGIC_BYTE',
  });
  await assert.rejects(serde.decode('weir.logs.acme', Buffer.from([0, 0, 0])), { code: 'WEIR_SERDE_MALFORMED' });
  const unknownId = Buffer.from(good);
  unknownId.writeUInt32BE(9999, 1);
  await assert.rejects(serde.decode('weir.logs.acme', unknownId), (err) => {
    assert.ok(isContractError(err, 'WEIR_SCHEMA_UNKNOWN_ID'));
    assert.match(err.message, /9999/);
    return true;
  });
  await assert.rejects(serde.decode('weir.logs.acme', good.subarray(0, good.length - 2)), {
    code: 'WEIR_SERDE_MALFORMED',
  });
  await assert.rejects(serde.encode('weir.unknown', s.sparseRequest), { code: 'WEIR_TOPIC_UNKNOWN' });
});

test('a record that does not match its schema is refused, naming each offending field path', async () => {
  const registry = new CountingRegistry(new EmbeddedRegistry());
  const serde = new RegistrySerde<WeirRecord>(registry);
  const bad = {
    ...s.fullScore,
    label: 'robot',
    reasons: [s.fullScore.reasons[0], { ...s.fullScore.reasons[1], value: 'high' }],
  } as unknown as ScoreRecord;
  await assert.rejects(serde.encode('weir.scores', bad), (err) => {
    assert.ok(isContractError(err, 'WEIR_RECORD_INVALID'));
    assert.deepStrictEqual(err.paths, ['label', 'reasons.1.value']);
    assert.match(err.message, /weir\.scores.*io\.weir\.ScoreRecord.*label, reasons\.1\.value/);
    return true;
  });
  const missing = { ...s.sparseRequest } as Partial<RequestEvent>;
  delete missing.clientIp;
  await assert.rejects(serde.encode('weir.logs.acme', missing as RequestEvent), { paths: ['clientIp'] });
  await assert.rejects(serde.encode('weir.logs.acme', { ...s.sparseRequest, extra: { n: 1 } } as unknown as RequestEvent), {
    paths: ['extra.n'],
  });
  assert.equal(registry.registers, 0, 'invalid records fail before any registry call');
});

test('a writer schema the reader cannot resolve is refused with WEIR_SCHEMA_INCOMPATIBLE', async () => {
  const registry = new EmbeddedRegistry();
  const other = new RegistrySerde<{ x: number }>(registry, {
    schemaOf: () => ({ type: 'record', name: 'Other', fields: [{ name: 'x', type: 'int' }] }),
  });
  const bytes = await other.encode('elsewhere', { x: 1 });
  const serde = new RegistrySerde<RequestEvent>(registry);
  await assert.rejects(serde.decode('weir.logs.acme', bytes), { code: 'WEIR_SCHEMA_INCOMPATIBLE' });
});

test('createSerde picks the embedded process registry without a URL, the remote one with it', async () => {
  assert.equal(createRegistry({}), processRegistry);
  assert.equal(createRegistry({ schemaRegistryUrl: '  ' }), processRegistry);
  const remote = createRegistry({ schemaRegistryUrl: 'http://127.0.0.1:1/apis/ccompat/v7' });
  assert.ok(remote instanceof ConfluentRegistry);
  assert.throws(
    () => createRegistry({ schemaRegistryUrl: 'http://127.0.0.1:1', schemaRegistryUsername: 'weir' }),
    { code: 'WEIR_REGISTRY_CONFIG' },
  );
  // Two serdes made separately in one process still agree on ids.
  const a = createSerde<RequestEvent>({});
  const b = createSerde<RequestEvent>({});
  assert.deepStrictEqual(await b.decode('weir.logs.acme', await a.encode('weir.logs.acme', s.fullRequest)), s.fullRequest);
});

test('an unreachable remote registry fails with WEIR_REGISTRY_UNAVAILABLE naming the URL', async () => {
  const serde = new RegistrySerde<RequestEvent>(new ConfluentRegistry({ url: 'http://127.0.0.1:1/apis/ccompat/v7', retries: 0 }));
  await assert.rejects(serde.encode('weir.logs.acme', s.sparseRequest), (err) => {
    assert.ok(isContractError(err, 'WEIR_REGISTRY_UNAVAILABLE'));
    assert.match(err.message, /127\.0\.0\.1:1.*ECONNREFUSED/);
    return true;
  });
});

test('decodeMany and encodeMany give what decode and encode give, one registry call per schema, errors per message', async () => {
  const registry = new CountingRegistry(new EmbeddedRegistry());
  const producer = new RegistrySerde<RequestEvent>(registry);
  const consumer = new RegistrySerde<RequestEvent>(registry);
  const records = [1, 2, 3].map((status) => ({ ...s.sparseRequest, status }));
  const many = await producer.encodeMany(records.map((value) => ({ topic: 'weir.logs.acme', value })));
  assert.equal(registry.registers, 1);
  assert.deepStrictEqual(many, await Promise.all(records.map((r) => producer.encode('weir.logs.acme', r))), 'the same bytes');

  const wrongMagic = Buffer.from(many[0]!);
  wrongMagic[0] = 1;
  const unknownId = Buffer.from(many[0]!);
  unknownId.writeUInt32BE(9999, 1);
  const decoded = await consumer.decodeMany('weir.logs.acme', [many[0]!, wrongMagic, many[1]!, unknownId, many[2]!.subarray(0, 3)]);
  assert.deepStrictEqual(decoded[0], records[0]);
  assert.deepStrictEqual(decoded[2], records[1]);
  assert.ok(isContractError(decoded[1], 'WEIR_SERDE_UNKNOWN_MAGIC_BYTE'));
  assert.ok(isContractError(decoded[3], 'WEIR_SCHEMA_UNKNOWN_ID'));
  assert.ok(isContractError(decoded[4], 'WEIR_SERDE_MALFORMED'));
  assert.equal(registry.lookups, 2, 'the writer schema once, the unknown id once');

  await assert.rejects(
    producer.encodeMany([{ topic: 'weir.logs.acme', value: records[0]! }, { topic: 'weir.logs.acme', value: { ...s.sparseRequest, status: 'x' } as unknown as RequestEvent }]),
    { code: 'WEIR_RECORD_INVALID' },
  );
});

test('decodeMany rejects whole when the registry does not answer: the messages are not at fault', async () => {
  const good = await new RegistrySerde<RequestEvent>(new EmbeddedRegistry()).encode('weir.logs.acme', s.sparseRequest);
  const serde = new RegistrySerde<RequestEvent>(new ConfluentRegistry({ url: 'http://127.0.0.1:1/apis/ccompat/v7', retries: 0 }));
  await assert.rejects(serde.decodeMany('weir.logs.acme', [good, good]), (err) => isContractError(err, 'WEIR_REGISTRY_UNAVAILABLE'));
});

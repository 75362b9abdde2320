/**
 * The remote-registry adapter: against the real registry (Apicurio's Confluent-compatible API),
 * and against a tiny stand-in HTTP server for what Apicurio's default setup cannot show (basic auth).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfluentRegistry } from '../src/confluent-registry.js';
import { isContractError } from '../src/errors.js';
import type { WeirRecord } from '../src/topic-schemas.js';
import { RegistrySerde } from '../src/registry-serde.js';
import { requestEventSchema, scoreRecordSchema, sessionFeaturesSchema, windowSummarySchema } from '../src/schemas.js';
import { frame } from '../src/wire-format.js';
import * as s from './samples.js';
import { registryUrl, uniqueName } from './servers.js';

function realRegistry(): ConfluentRegistry {
  const username = process.env.SCHEMA_REGISTRY_USERNAME || undefined;
  const password = process.env.SCHEMA_REGISTRY_PASSWORD || undefined;
  return new ConfluentRegistry({ url: registryUrl(), ...(username && password ? { username, password } : {}) });
}

test('real registry: every record type round-trips, and fresh serdes resolve ids through it', async () => {
  const registry = realRegistry();
  const cases: [object, WeirRecord][] = [
    [requestEventSchema, s.fullRequest],
    [sessionFeaturesSchema, s.sparseSession],
    [windowSummarySchema, s.fullWindow],
    [scoreRecordSchema, s.fullScore],
  ];
  for (const [schema, record] of cases) {
    const topic = uniqueName('weir.contracts-roundtrip');
    const writer = new RegistrySerde<WeirRecord>(registry, { schemaOf: () => schema });
    const bytes = await writer.encode(topic, record);
    const reader = new RegistrySerde<WeirRecord>(realRegistry(), { schemaOf: () => schema });
    assert.deepStrictEqual(await reader.decode(topic, bytes), record);
    assert.deepStrictEqual(await reader.encode(topic, record), bytes, 'same id, same bytes');
  }
});

test('real registry: an unknown schema id is WEIR_SCHEMA_UNKNOWN_ID', async () => {
  const serde = new RegistrySerde<WeirRecord>(realRegistry());
  const bytes = frame(2_000_000_000, Buffer.from([0]));
  await assert.rejects(serde.decode('weir.logs.acme', bytes), (err) => {
    assert.ok(isContractError(err, 'WEIR_SCHEMA_UNKNOWN_ID'), String(err));
    assert.match(err.message, /2000000000/);
    return true;
  });
});

test('real registry: instances registering a new subject at the same moment all get its id', async () => {
  // Two window instances publishing their first partial summaries at once failed the stage: after
  // a new subject's first version the library sets its level (PUT /config/<subject>), and Apicurio
  // answers the second such PUT 409 "A rule named 'COMPATIBILITY' already exists".
  for (let round = 0; round < 5; round++) {
    const subject = `${uniqueName('weir.contracts-race')}-value`;
    const results = await Promise.allSettled(Array.from({ length: 6 }, () => realRegistry().register(subject, windowSummarySchema)));
    const refused = results.flatMap((r) => (r.status === 'rejected' ? [String(r.reason)] : []));
    assert.deepEqual(refused, [], `round ${round}: every instance registered`);
    const ids = new Set(results.map((r) => (r.status === 'fulfilled' ? r.value : -1)));
    assert.equal(ids.size, 1, `round ${round}: one id for the one schema: ${[...ids].join(', ')}`);
  }
});

test('real registry: a subject another client created is used as it is (found by lookup)', async () => {
  // Apicurio reports compatibility NONE for such a subject; the library's register() would refuse
  // it, so the adapter looks the schema up first.
  const url = registryUrl();
  const topic = uniqueName('weir.contracts-foreign');
  const subject = `${topic}-value`;
  const headers: Record<string, string> = { 'content-type': 'application/vnd.schemaregistry.v1+json' };
  if (process.env.SCHEMA_REGISTRY_USERNAME && process.env.SCHEMA_REGISTRY_PASSWORD) {
    const token = `${process.env.SCHEMA_REGISTRY_USERNAME}:${process.env.SCHEMA_REGISTRY_PASSWORD}`;
    headers.authorization = `Basic ${Buffer.from(token).toString('base64')}`;
  }
  const res = await fetch(`${url}/subjects/${encodeURIComponent(subject)}/versions`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ schema: JSON.stringify(requestEventSchema) }),
  });
  const body = await res.text();
  assert.equal(res.status, 200, body);
  const { id } = JSON.parse(body) as { id: number };
  const serde = new RegistrySerde<WeirRecord>(realRegistry(), { schemaOf: () => requestEventSchema });
  const bytes = await serde.encode(topic, s.sparseRequest);
  assert.equal(bytes.readUInt32BE(1), id);
});

/** A stand-in registry that wants basic auth `weir:s3cret` and knows one schema, id 7. */
async function withAuthRegistry(fn: (url: string, seen: string[]) => Promise<void>): Promise<void> {
  const seen: string[] = [];
  const expected = `Basic ${Buffer.from('weir:s3cret').toString('base64')}`;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    seen.push(`${req.method} ${req.url}`);
    res.setHeader('content-type', 'application/vnd.schemaregistry.v1+json');
    if (req.headers.authorization !== expected) {
      res.writeHead(401).end(JSON.stringify({ error_code: 40101, message: 'Unauthorized' }));
    } else if (req.method === 'POST' && req.url?.startsWith('/subjects/')) {
      res.end(JSON.stringify({ subject: 'x', version: 1, id: 7, schema: JSON.stringify(requestEventSchema) }));
    } else if (req.url === '/schemas/ids/7') {
      res.end(JSON.stringify({ schema: JSON.stringify(requestEventSchema) }));
    } else {
      res.writeHead(404).end(JSON.stringify({ error_code: 40403, message: 'not found' }));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    await fn(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen);
  } finally {
    server.close();
  }
}

test('basic auth: credentials are sent; refused ones are WEIR_REGISTRY_UNAUTHORIZED', async () => {
  await withAuthRegistry(async (url, seen) => {
    const good = new RegistrySerde<WeirRecord>(new ConfluentRegistry({ url, username: 'weir', password: 's3cret' }));
    const bytes = await good.encode('weir.logs.acme', s.sparseRequest);
    assert.equal(bytes.readUInt32BE(1), 7);
    assert.deepStrictEqual(seen, ['POST /subjects/weir.logs.acme-value'], 'found by lookup, nothing registered');
    const fresh = new RegistrySerde<WeirRecord>(new ConfluentRegistry({ url, username: 'weir', password: 's3cret' }));
    assert.deepStrictEqual(await fresh.decode('weir.logs.acme', bytes), s.sparseRequest);

    const bad = new RegistrySerde<WeirRecord>(new ConfluentRegistry({ url, username: 'weir', password: 'wrong', retries: 0 }));
    await assert.rejects(bad.encode('weir.logs.acme', s.sparseRequest), { code: 'WEIR_REGISTRY_UNAUTHORIZED' });
    const none = new RegistrySerde<WeirRecord>(new ConfluentRegistry({ url, retries: 0 }));
    await assert.rejects(none.decode('weir.logs.acme', bytes), { code: 'WEIR_REGISTRY_UNAUTHORIZED' });
  });
});

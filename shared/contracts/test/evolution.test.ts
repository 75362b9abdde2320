/**
 * Schema evolution through the serde, against the embedded registry and the real registry alike:
 * new readers read old records (added field takes its default), old readers read new records
 * (added field ignored), and a change that would break readers is refused at registration.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfluentRegistry } from '../src/confluent-registry.js';
import { createRegistry } from '../src/create-serde.js';
import { EmbeddedRegistry } from '../src/embedded-registry.js';
import { isContractError } from '../src/errors.js';
import type { RequestEvent } from '../src/records.js';
import type { SchemaRegistry } from '../src/registry.js';
import { RegistrySerde } from '../src/registry-serde.js';
import { requestEventSchema } from '../src/schemas.js';
import { fullRequest, sparseRequest } from './samples.js';
import { registryUrl, uniqueName } from './servers.js';

/** v2: two added fields with defaults, one nullable, one not (so "gets its default" is visible). */
const v2Schema = {
  ...requestEventSchema,
  fields: [
    ...requestEventSchema.fields,
    { name: 'asn', type: ['null', 'long'], default: null },
    { name: 'tier', type: 'string', default: 'standard' },
  ],
};
type RequestEventV2 = RequestEvent & { asn: number | null; tier: string };

/** Incompatible with v1: a new field without a default cannot be filled in for old records. */
const requiredFieldSchema = {
  ...requestEventSchema,
  fields: [...requestEventSchema.fields, { name: 'datacenter', type: 'string' }],
};

function evolutionSuite(name: string, makeRegistry: () => SchemaRegistry): void {
  describe(`schema evolution (${name})`, () => {
    test('old and new schema versions read each other; incompatible changes are refused', async () => {
      const registry = makeRegistry();
      const topic = uniqueName('weir.logs.evolution');
      const v1 = new RegistrySerde<RequestEvent>(registry, { schemaOf: () => requestEventSchema });
      const v2 = new RegistrySerde<RequestEventV2>(registry, { schemaOf: () => v2Schema });

      const oldBytes = await v1.encode(topic, fullRequest);
      const newRecord: RequestEventV2 = { ...sparseRequest, asn: 64_496, tier: 'gold' };
      const newBytes = await v2.encode(topic, newRecord);
      const oldId = oldBytes.readUInt32BE(1);
      const newId = newBytes.readUInt32BE(1);
      assert.notEqual(oldId, newId, 'the new version has its own id');

      // Old reader, new record: the added fields are skipped.
      assert.deepStrictEqual(await v1.decode(topic, newBytes), sparseRequest);
      // New reader, old record: the added fields take their defaults.
      assert.deepStrictEqual(await v2.decode(topic, oldBytes), { ...fullRequest, asn: null, tier: 'standard' });

      // Fresh serdes know no ids: they fetch each writer schema from the registry by id.
      const freshV1 = new RegistrySerde<RequestEvent>(registry, { schemaOf: () => requestEventSchema });
      const freshV2 = new RegistrySerde<RequestEventV2>(registry, { schemaOf: () => v2Schema });
      assert.deepStrictEqual(await freshV1.decode(topic, newBytes), sparseRequest);
      assert.deepStrictEqual(await freshV2.decode(topic, oldBytes), { ...fullRequest, asn: null, tier: 'standard' });
      assert.deepStrictEqual(await freshV2.decode(topic, newBytes), newRecord);

      // An old producer starting after the upgrade can still write, and new readers read it.
      const lateOld = await freshV1.encode(topic, sparseRequest);
      assert.deepStrictEqual(await v2.decode(topic, lateOld), { ...sparseRequest, asn: null, tier: 'standard' });

      const breaking = new RegistrySerde<RequestEvent & { datacenter: string }>(registry, {
        schemaOf: () => requiredFieldSchema,
      });
      await assert.rejects(breaking.encode(topic, { ...sparseRequest, datacenter: 'fra1' }), (err) => {
        assert.ok(isContractError(err, 'WEIR_SCHEMA_INCOMPATIBLE'), `got ${String(err)}`);
        assert.match(err.message, new RegExp(`${topic.replaceAll('.', '\\.')}-value`));
        return true;
      });
      // Refused means refused: the old versions keep working.
      assert.deepStrictEqual(await v1.decode(topic, await v1.encode(topic, fullRequest)), fullRequest);
    });
  });
}

evolutionSuite('embedded registry', () => new EmbeddedRegistry());
evolutionSuite('real registry', () => {
  const registry = createRegistry({
    schemaRegistryUrl: registryUrl(),
    schemaRegistryUsername: process.env.SCHEMA_REGISTRY_USERNAME,
    schemaRegistryPassword: process.env.SCHEMA_REGISTRY_PASSWORD,
  });
  assert.ok(registry instanceof ConfluentRegistry);
  return registry;
});

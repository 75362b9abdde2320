import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EmbeddedRegistry } from '../src/embedded-registry.js';
import { isContractError } from '../src/errors.js';

const v1 = { type: 'record', name: 'T', namespace: 't', fields: [{ name: 'a', type: 'string' }] };
const v2 = { ...v1, fields: [...v1.fields, { name: 'b', type: ['null', 'int'], default: null }] };
/** A new field without a default: new readers cannot read old data. */
const noDefault = { ...v1, fields: [...v1.fields, { name: 'c', type: 'int' }] };

test('ids are registry-wide and shared by identical schemas; versions are per subject', async () => {
  const reg = new EmbeddedRegistry();
  const a = await reg.register('x-value', v1);
  assert.equal(await reg.register('x-value', JSON.stringify(v1, null, 2)), a, 'same schema, other whitespace');
  assert.equal(await reg.register('y-value', v1), a, 'same schema under another subject keeps its id');
  const b = await reg.register('x-value', v2);
  assert.notEqual(b, a);
  assert.deepStrictEqual(
    reg.versions('x-value').map((v) => [v.version, v.id]),
    [
      [1, a],
      [2, b],
    ],
  );
  assert.deepStrictEqual(reg.subjectNames(), ['x-value', 'y-value']);
  assert.deepStrictEqual(JSON.parse(await reg.schemaById(b)), v2);
  // An old version registered again is a lookup, not a new version nor a compatibility question.
  assert.equal(await reg.register('x-value', v1), a);
  assert.equal(reg.versions('x-value').length, 2);
});

test('BACKWARD (the default) refuses a new field without default, naming subject, version and field', async () => {
  const reg = new EmbeddedRegistry();
  await reg.register('x-value', v1);
  await assert.rejects(reg.register('x-value', noDefault), (err) => {
    assert.ok(isContractError(err, 'WEIR_SCHEMA_INCOMPATIBLE'));
    assert.match(err.message, /subject "x-value" is not BACKWARD compatible with version 1/);
    assert.match(err.message, /\bc\b/);
    return true;
  });
  assert.equal(reg.versions('x-value').length, 1, 'nothing registered');
  await assert.rejects(reg.register('x-value', { ...v1, fields: [{ name: 'a', type: 'int' }] }), {
    code: 'WEIR_SCHEMA_INCOMPATIBLE',
  });
  // Dropping a field is backward compatible.
  await reg.register('x-value', v2);
  await reg.register('x-value', { ...v1, fields: [{ name: 'b', type: ['null', 'int'], default: null }] });
});

test('other levels: NONE allows anything, FORWARD checks the other way, TRANSITIVE checks every version', async () => {
  const reg = new EmbeddedRegistry();
  reg.setCompatibility('none-value', 'NONE');
  await reg.register('none-value', v1);
  await reg.register('none-value', noDefault);

  reg.setCompatibility('fwd-value', 'FORWARD');
  await reg.register('fwd-value', v1);
  await reg.register('fwd-value', noDefault); // old readers ignore the new field
  await assert.rejects(reg.register('fwd-value', { ...v1, fields: [] }), { code: 'WEIR_SCHEMA_INCOMPATIBLE' });

  // v1 {a: string} → v2 drops a → v3 brings a back as an int with a default: each step reads the
  // one before, but v3 cannot read v1's string `a`.
  const bOnly = { ...v1, fields: [{ name: 'b', type: ['null', 'int'], default: null }] };
  const v3 = { ...v1, fields: [...bOnly.fields, { name: 'a', type: 'int', default: 0 }] };
  for (const level of ['BACKWARD', 'BACKWARD_TRANSITIVE'] as const) {
    const reg2 = new EmbeddedRegistry(level);
    await reg2.register('s', v1);
    await reg2.register('s', bOnly);
    const attempt = reg2.register('s', v3);
    if (level === 'BACKWARD') await attempt;
    else {
      await assert.rejects(attempt, (err) => {
        assert.ok(isContractError(err, 'WEIR_SCHEMA_INCOMPATIBLE'));
        assert.match(err.message, /BACKWARD_TRANSITIVE compatible with version 1/);
        return true;
      });
    }
  }
});

test('unknown ids and invalid schemas have their own codes', async () => {
  const reg = new EmbeddedRegistry();
  await assert.rejects(reg.schemaById(42), { code: 'WEIR_SCHEMA_UNKNOWN_ID' });
  await assert.rejects(reg.register('x', { type: 'record', name: 'R', fields: [{ name: 'a', type: 'nope' }] }), {
    code: 'WEIR_SCHEMA_INVALID',
  });
  await assert.rejects(reg.register('x', '{not json'), { code: 'WEIR_SCHEMA_INVALID' });
});

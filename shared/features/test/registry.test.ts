/** The registry: well-formed entries and a fingerprint that depends on the source text only. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { FEATURES, FEATURE_NAMES, featureDefinition, featureSetFingerprint } from '../src/registry.js';

test('every feature has a unique snake_case name, a one-line definition, a unit and a group', () => {
  assert.equal(new Set(FEATURE_NAMES).size, FEATURES.length);
  for (const feature of FEATURES) {
    assert.match(feature.name, /^[a-z][a-z0-9]*(_[a-z0-9]+)*$/, feature.name);
    assert.ok(feature.definition.length > 10 && !feature.definition.includes('\n'), feature.name);
    assert.ok(feature.unit.length > 0 && feature.group.length > 0, feature.name);
    assert.equal(featureDefinition(feature.name), feature);
  }
  assert.ok(FEATURES.length >= 55);
});

test('the fingerprint is stable across processes', () => {
  assert.match(featureSetFingerprint, /^fs\d+-[0-9a-f]{16}$/);
  const script = `import('${join(import.meta.dirname, '..', 'src', 'registry.ts')}').then((m) => console.log(m.featureSetFingerprint))`;
  const child = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { encoding: 'utf8' });
  assert.equal(child.stdout.trim(), featureSetFingerprint, child.stderr);
});

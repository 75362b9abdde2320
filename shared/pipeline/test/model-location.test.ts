import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_MODEL_DIR, shippedModelDir, workspaceRoot } from '../src/index.js';

test('the shipped model is models/default at the workspace root, however deep the asker sits', () => {
  const root = mkdtempSync(join(tmpdir(), 'weir-root-'));
  writeFileSync(join(root, 'pnpm-workspace.yaml'), 'packages: []\n');
  const deep = join(root, 'a', 'b', 'c', 'src');
  mkdirSync(deep, { recursive: true });
  writeFileSync(join(root, 'a', 'b', 'package.json'), '{}');
  assert.equal(workspaceRoot(deep), root);
  assert.equal(shippedModelDir(deep), join(root, 'models', 'default'));
  assert.equal(shippedModelDir(root), join(root, 'models', 'default'));
});

test('outside a workspace, the nearest package root', () => {
  const alone = mkdtempSync(join(tmpdir(), 'weir-alone-'));
  const src = join(alone, 'src');
  mkdirSync(src);
  writeFileSync(join(alone, 'package.json'), '{}');
  assert.equal(shippedModelDir(src), join(alone, 'models', 'default'));
});

test('in this repository: the models/default beside pnpm-workspace.yaml', () => {
  const repo = join(import.meta.dirname, '..', '..', '..');
  assert.equal(DEFAULT_MODEL_DIR, join(repo, 'models', 'default'));
});

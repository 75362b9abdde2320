import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtemp, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  ModelStore,
  saveModelPipeline,
  untrainedPipeline,
  type ModelLoadedEvent,
  type ModelPipeline,
  type ModelRefusedEvent,
} from '../src/index.js';

const names = ['f1', 'f2', 'f3'];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function nextEvent<K extends 'loaded' | 'refused'>(store: ModelStore, event: K, timeoutMs = 5000) {
  const [payload] = (await once(store, event, { signal: AbortSignal.timeout(timeoutMs) })) as [
    K extends 'loaded' ? ModelLoadedEvent : ModelRefusedEvent,
  ];
  return payload;
}

describe('ModelStore: hot reload with fingerprint checks', () => {
  let root: string;
  const pipelines: ModelPipeline[] = [];
  const make = async (seed: number, fingerprint = 'features@1') => {
    const p = await untrainedPipeline({ names, fingerprint, seed });
    pipelines.push(p);
    return p;
  };

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'weir-store-'));
  });
  after(async () => {
    pipelines.forEach((p) => p.dispose());
    await rm(root, { recursive: true, force: true });
  });

  it('picks up new versions while running, refuses a foreign fingerprint and keeps serving the old one', async () => {
    const dir = join(root, 'versions');
    const store = new ModelStore({ dir, fingerprint: 'features@1', pollMs: 30, disposeGraceMs: 0 });
    const refused: ModelRefusedEvent[] = [];
    store.on('refused', (e) => refused.push(e));
    await store.start();
    try {
      assert.equal(store.current(), null, 'nothing to serve yet');

      const v1 = await make(1);
      const loaded1 = nextEvent(store, 'loaded');
      await saveModelPipeline(v1, join(dir, '2024-01-01'));
      assert.deepEqual(
        { ...(await loaded1), dir: '' },
        { slot: 'primary', version: v1.version, dir: '', fingerprint: 'features@1', previousVersion: null },
      );
      const first = store.current();
      assert.equal(first?.version, v1.version);

      const v2 = await make(2);
      const loaded2 = nextEvent(store, 'loaded');
      await saveModelPipeline(v2, join(dir, '2024-02-01'));
      const event2 = await loaded2;
      assert.equal(event2.version, v2.version);
      assert.equal(event2.previousVersion, v1.version);
      assert.equal(store.current()?.version, v2.version);
      assert.equal(store.currentDir(), join(dir, '2024-02-01'));
      await sleep(20);
      assert.ok(first?.isDisposed, 'the replaced pipeline is freed after the grace period');

      const foreign = await make(3, 'features@2');
      const refusedEvent = nextEvent(store, 'refused');
      await saveModelPipeline(foreign, join(dir, '2024-03-01'));
      const refusal = await refusedEvent;
      assert.equal(refusal.code, 'WEIR_MODEL_FINGERPRINT');
      assert.equal(refusal.keptVersion, v2.version);
      assert.match(refusal.message, /features@2/);
      assert.equal(store.current()?.version, v2.version, 'the old model keeps serving');
      assert.ok(store.current()?.scoreBatch([[1, 2, 3]])[0] !== undefined);
      await sleep(150);
      assert.equal(refused.length, 1, 'a refused version is not retried until its files change');

      // `current` overrides "newest": roll back to v1 by pointing it there.
      const rolledBack = nextEvent(store, 'loaded');
      await symlink(join(dir, '2024-01-01'), join(dir, 'current'));
      assert.equal((await rolledBack).version, v1.version);
      assert.equal(store.current()?.version, v1.version);
    } finally {
      await store.close();
    }
    assert.equal(store.current(), null);
  });

  it('reloads a pipeline saved straight into the directory, including a hand edit of its thresholds', async () => {
    const dir = join(root, 'single');
    const v1 = await make(4);
    await saveModelPipeline(v1, dir);
    const store = new ModelStore({ dir, fingerprint: 'features@1', pollMs: 10, slot: 'shadow' });
    const refused: ModelRefusedEvent[] = [];
    store.on('refused', (e) => refused.push(e));
    const loadedFirst = nextEvent(store, 'loaded');
    await store.start();
    assert.equal((await loadedFirst).slot, 'shadow');
    assert.equal(store.current()?.version, v1.version, 'start() resolves after the first load');
    try {
      const v2 = await make(5);
      const swapped = nextEvent(store, 'loaded');
      await saveModelPipeline(v2, dir);
      assert.equal((await swapped).version, v2.version);

      const edited = nextEvent(store, 'loaded');
      const path = join(dir, 'pipeline.json');
      const manifest = JSON.parse(await readFile(path, 'utf8')) as { thresholds: unknown };
      manifest.thresholds = { suspicious: 0.3, bot: 0.6 };
      await writeFile(path, JSON.stringify(manifest));
      assert.equal((await edited).version, v2.version);
      assert.deepEqual(store.current()?.thresholds, { suspicious: 0.3, bot: 0.6 });
      assert.deepEqual(refused, [], 'an in-place save is never caught half-way');
    } finally {
      await store.close();
    }
  });

  it('reports a broken candidate and keeps serving', async () => {
    const dir = join(root, 'broken');
    const v1 = await make(6);
    await saveModelPipeline(v1, join(dir, 'a'));
    const store = new ModelStore({ dir, fingerprint: 'features@1', pollMs: 30 });
    await store.start();
    try {
      assert.equal(store.current()?.version, v1.version);
      const refusedEvent = nextEvent(store, 'refused');
      // Broken before it is moved in, so the store never sees it whole.
      const staging = join(root, 'staging-b');
      await saveModelPipeline(await make(7), staging);
      await writeFile(join(staging, 'weights.bin'), 'truncated');
      await rename(staging, join(dir, 'b'));
      const refusal = await refusedEvent;
      assert.ok(['WEIR_MODEL_FORMAT', 'WEIR_MODEL_INTEGRITY'].includes(refusal.code), refusal.code);
      assert.equal(store.current()?.version, v1.version);
    } finally {
      await store.close();
    }
  });
});

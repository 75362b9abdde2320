import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { featureSetFingerprint } from '@weir/features';
import { ModelStore } from '@weir/model';
import { BaselineScorer, ModelScorer, type Scorer, type Thresholds } from '@weir/pipeline';

/** The model that ships with the project, trained on simulated traffic (see scripts/train-default-model.sh). */
export const DEFAULT_MODEL_DIR = join(import.meta.dirname, '..', '..', '..', '..', 'models', 'default');

export interface Scoring {
  scorer: () => Scorer;
  thresholds: (customer: string) => Thresholds;
  description: string;
  close(): void;
}

/**
 * The scorer of the single-process mode: the given model directory (hot-reloaded), else the
 * shipped default model, else the statistical baseline scorer.
 */
export async function loadScoring(modelDir: string | undefined): Promise<Scoring> {
  const dir = modelDir ?? (existsSync(join(DEFAULT_MODEL_DIR, 'pipeline.json')) ? DEFAULT_MODEL_DIR : undefined);
  if (dir === undefined) {
    const scorer = new BaselineScorer();
    return {
      scorer: () => scorer,
      thresholds: () => ({ suspicious: 0.5, bot: 0.8 }),
      description: `statistical baseline (${scorer.version}): no model found at ${DEFAULT_MODEL_DIR}`,
      close: () => undefined,
    };
  }
  const store = new ModelStore({ dir, fingerprint: featureSetFingerprint, pollMs: 2000 });
  let refused = '';
  store.on('refused', (event) => (refused = event.message));
  await store.start();
  const first = store.current();
  if (!first) {
    store.close();
    throw Object.assign(new Error(`no usable model in ${dir}: ${refused || 'nothing loaded'}`), { code: 'WEIR_MODEL_UNAVAILABLE' });
  }
  const scorer = new ModelScorer(() => store.current() ?? first);
  return {
    scorer: () => scorer,
    thresholds: () => (store.current() ?? first).thresholds,
    description: `model ${first.version} from ${dir} (hot-reloaded)`,
    close: () => store.close(),
  };
}

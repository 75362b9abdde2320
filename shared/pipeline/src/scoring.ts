import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { featureSetFingerprint } from '@weir/features';
import { ModelStore, selectBackend, type BackendChoice, type ModelSlot } from '@weir/model';
import { BaselineScorer } from './baseline-scorer.js';
import { shippedModelDir } from './model-location.js';
import { ModelScorer } from './model-scorer.js';
import type { Scorer, Thresholds } from './scorer.js';

/**
 * The model that ships with the project, trained on simulated traffic
 * (scripts/train-default-model.sh): `models/default` at the workspace root (see model-location.ts).
 */
export const DEFAULT_MODEL_DIR = shippedModelDir();

export interface ScoringOptions {
  /** A model pipeline directory, watched for new versions; default: the shipped model, else the baseline scorer. */
  modelDir?: string | undefined;
  /** A second model whose scores are published marked `shadow`. */
  shadowDir?: string | undefined;
  /** Overrides the model's thresholds for every customer. */
  thresholds?: Thresholds | undefined;
  /** Per-customer overrides. */
  customerThresholds?: Record<string, Thresholds>;
  pollMs?: number;
  /**
   * The TF.js backend for the networks. Default `auto`: the fastest that starts here (node → wasm
   * → cpu); reasons cost a forward pass per feature of every flagged session, and wasm runs them
   * several times faster than cpu. `weir score` picks the same way, so on one machine the
   * service and the offline scores agree.
   */
  backend?: BackendChoice;
  /** Told when a model version is loaded or refused (fingerprint mismatch, broken files). */
  onModelEvent?: (event: { slot: ModelSlot; kind: 'loaded' | 'refused'; version: string | null; message: string }) => void;
}

export interface Scoring {
  scorer: () => Scorer;
  shadow: () => Scorer | null;
  thresholds: (customer: string) => Thresholds;
  description: string;
  close(): void;
}

const FALLBACK_THRESHOLDS: Thresholds = { suspicious: 0.5, bot: 0.8 };

async function openStore(dir: string, slot: ModelSlot, options: ScoringOptions): Promise<ModelStore> {
  const store = new ModelStore({ dir, fingerprint: featureSetFingerprint, pollMs: options.pollMs ?? 5000, slot });
  let refused = '';
  store.on('loaded', (e) => options.onModelEvent?.({ slot, kind: 'loaded', version: e.version, message: `loaded ${e.version} from ${e.dir}` }));
  store.on('refused', (e) => {
    refused = e.message;
    options.onModelEvent?.({ slot, kind: 'refused', version: e.keptVersion, message: e.message });
  });
  await store.start();
  if (!store.current()) {
    store.close();
    throw Object.assign(new Error(`no usable ${slot} model in ${dir}: ${refused || 'nothing loaded'}`), { code: 'WEIR_MODEL_UNAVAILABLE' });
  }
  return store;
}

/**
 * The scorer of a score stage: a model directory (hot-reloaded; a version trained on other
 * feature code is refused while the old one keeps serving), else the shipped default model, else
 * the statistical baseline scorer. The score service and `weir start` both use it.
 */
export async function loadScoring(options: ScoringOptions = {}): Promise<Scoring> {
  const dir = options.modelDir ?? (existsSync(join(DEFAULT_MODEL_DIR, 'pipeline.json')) ? DEFAULT_MODEL_DIR : undefined);
  // Before any network is built: its weights live on the backend active at load.
  const backend = dir === undefined && !options.shadowDir ? null : await selectBackend(options.backend ?? 'auto');
  const shadowStore = options.shadowDir ? await openStore(options.shadowDir, 'shadow', options) : null;
  const shadowScorer = shadowStore ? new ModelScorer(() => shadowStore.current()!) : null;
  const perCustomer = options.customerThresholds ?? {};

  if (dir === undefined) {
    const scorer = new BaselineScorer();
    return {
      scorer: () => scorer,
      shadow: () => shadowScorer,
      thresholds: (customer) => perCustomer[customer] ?? options.thresholds ?? FALLBACK_THRESHOLDS,
      description: `statistical baseline (${scorer.version}): no model found at ${DEFAULT_MODEL_DIR}`,
      close: () => shadowStore?.close(),
    };
  }
  const store = await openStore(dir, 'primary', options);
  const scorer = new ModelScorer(() => store.current()!);
  return {
    scorer: () => scorer,
    shadow: () => shadowScorer,
    thresholds: (customer) => perCustomer[customer] ?? options.thresholds ?? store.current()!.thresholds,
    description: `model ${store.current()!.version} from ${dir} (hot-reloaded, TF.js ${backend})`,
    close: () => {
      store.close();
      shadowStore?.close();
    },
  };
}

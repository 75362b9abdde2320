/**
 * `--model DIR` → a loaded pipeline, resolved like the score service does (ModelStore: DIR's
 * `current/`, else its newest version subdirectory, else a pipeline saved straight into DIR) and
 * refused when it was trained on other feature code. Without `--model`: the shipped default model.
 */
import { existsSync } from 'node:fs';
import { featureSetFingerprint } from '@weir/features';
import { BACKEND_CHOICES, isBackendChoice, ModelStore, selectBackend, type BackendName, type ModelPipeline } from '@weir/model';
import { UsageError } from '../command.js';
import { DEFAULT_MODEL_DIR } from '@weir/pipeline';
import { OfflineError } from './errors.js';

export const BACKEND_FLAG = { backend: { type: 'string', default: 'auto' } } as const;

export const BACKEND_USAGE = `  --backend B           TF.js backend: auto (default: node, else wasm, else cpu, as the score service picks), cpu, wasm, node`;

/** Activates the `--backend` asked for; scores then match the score service's on this machine. */
export async function useBackend(choice: string): Promise<BackendName> {
  if (!isBackendChoice(choice)) throw new UsageError(`--backend must be one of ${BACKEND_CHOICES.join(', ')}, not '${choice}'`);
  return selectBackend(choice);
}

export async function openModel(dir: string | undefined): Promise<{ pipeline: ModelPipeline; dir: string }> {
  const target = dir ?? DEFAULT_MODEL_DIR;
  if (!existsSync(target)) {
    throw new OfflineError(
      'WEIR_CLI_MODEL',
      dir === undefined
        ? `no --model given and no default model at ${DEFAULT_MODEL_DIR} (scripts/train-default-model.sh builds it)`
        : `model directory ${dir} does not exist`,
    );
  }
  const store = new ModelStore({ dir: target, fingerprint: featureSetFingerprint });
  let refused = '';
  store.on('refused', (e) => {
    refused = `${e.message} (${e.code})`;
  });
  await store.start();
  // One load, no polling: a command runs against one model from start to end.
  store.stop();
  const pipeline = store.current();
  if (!pipeline) {
    const retrain = dir === undefined ? ' — rebuild the shipped model with scripts/train-default-model.sh' : '';
    throw new OfflineError('WEIR_CLI_MODEL', `no usable model in ${target}: ${refused || 'no pipeline.json found'}${retrain}`);
  }
  return { pipeline, dir: store.currentDir() ?? target };
}

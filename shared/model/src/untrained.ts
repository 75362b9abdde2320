/**
 * A pipeline with freshly initialised (seeded) weights and identity standardisation: it scores,
 * saves and loads like a trained one, so benchmarks and plumbing tests need not train first.
 * Its scores mean nothing.
 */
import { ensureBackend } from './backend.js';
import { networkArtifactsOf } from './model-files.js';
import { DEFAULT_NETWORK, buildNetwork, type NetworkSpec } from './network.js';
import { ModelPipeline } from './pipeline.js';
import { DEFAULT_CLIP } from './preprocess.js';
import { DEFAULT_THRESHOLDS } from './thresholds.js';
import type { Thresholds } from './types.js';

export interface UntrainedOptions {
  names: readonly string[];
  fingerprint: string;
  seed?: number;
  network?: Partial<NetworkSpec>;
  thresholds?: Thresholds;
}

export async function untrainedPipeline(options: UntrainedOptions): Promise<ModelPipeline> {
  await ensureBackend();
  const model = buildNetwork(options.names.length, { ...DEFAULT_NETWORK, ...options.network }, options.seed ?? 1);
  try {
    return await ModelPipeline.create(
      {
        created: new Date().toISOString(),
        fingerprint: options.fingerprint,
        features: options.names.map((name) => ({ name, transform: 'identity', mean: 0, std: 1 })),
        clip: DEFAULT_CLIP,
        thresholds: options.thresholds ?? { ...DEFAULT_THRESHOLDS },
        training: null,
        validation: null,
      },
      await networkArtifactsOf(model),
    );
  } finally {
    model.dispose();
  }
}

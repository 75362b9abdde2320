/**
 * Saving and loading a whole pipeline. Layout of a saved pipeline directory:
 *
 *   <dir>/weights.bin     the network's weights (float32, TF.js layers format)  } logistic, mlp
 *   <dir>/model.json      the network's topology and weight manifest (TF.js layers format)  }
 *   <dir>/trees.json      the tree ensemble (trees.ts)                                       } trees
 *   <dir>/pipeline.json   version, created, fingerprint, features + normalisation, thresholds, training, validation
 *
 * Files are written in that order, each through a rename, so anything watching for pipeline.json
 * (the model store) finds the network complete when it appears. `loadModelPipeline` also accepts
 * an http(s) URL under which the same three files are served.
 */
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ModelError } from './errors.js';
import { PIPELINE_JSON, parseManifest, type PipelineManifest } from './manifest.js';
import { MODEL_JSON, WEIGHTS_BIN, readNetworkArtifacts, sourceFor, writeAtomically, writeNetworkArtifacts } from './model-files.js';
import { ModelPipeline, type ModelArtifacts } from './pipeline.js';
import { parseTreeEnsemble, TREES_JSON } from './trees.js';

export async function saveModelPipeline(pipeline: ModelPipeline, dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  const network = pipeline.network;
  if (network === null) await writeAtomically(join(dir, TREES_JSON), JSON.stringify(pipeline.artifacts));
  else await writeNetworkArtifacts(dir, network);
  await writeAtomically(join(dir, PIPELINE_JSON), `${JSON.stringify(pipeline.manifest, null, 2)}\n`);
  // A directory that held the other kind of model keeps no stale files (after pipeline.json, so a
  // reader of the old pipeline.json never misses its files).
  for (const stale of network === null ? [MODEL_JSON, WEIGHTS_BIN] : [TREES_JSON]) await rm(join(dir, stale), { force: true });
}

export interface LoadOptions {
  /**
   * The running feature code's fingerprint. When given and different from the pipeline's, loading
   * is refused with WEIR_MODEL_FINGERPRINT before the network is even built.
   */
  fingerprint?: string;
}

/** Reads only pipeline.json: cheap, for listing versions or checking a fingerprint before a full load. */
export async function readPipelineManifest(dirOrUrl: string): Promise<PipelineManifest> {
  const source = sourceFor(dirOrUrl);
  return parseManifest(await readOrFail(() => source.readText(PIPELINE_JSON), PIPELINE_JSON, dirOrUrl), dirOrUrl);
}

export async function loadModelPipeline(dirOrUrl: string, options: LoadOptions = {}): Promise<ModelPipeline> {
  const source = sourceFor(dirOrUrl);
  const manifest = await readPipelineManifest(dirOrUrl);
  checkFingerprint(manifest, options.fingerprint, dirOrUrl);
  const artifacts: ModelArtifacts =
    manifest.family === 'trees'
      ? parseTreeEnsemble(await readOrFail(() => source.readText(TREES_JSON), TREES_JSON, dirOrUrl), manifest.features.length, dirOrUrl)
      : await readOrFail(() => readNetworkArtifacts(source), 'the network files', dirOrUrl);
  const { format: _format, version, ...parts } = manifest;
  return ModelPipeline.create(parts, artifacts, version);
}

export function checkFingerprint(manifest: Pick<PipelineManifest, 'fingerprint' | 'version'>, expected: string | undefined, location: string): void {
  if (expected === undefined || manifest.fingerprint === expected) return;
  throw new ModelError(
    'WEIR_MODEL_FINGERPRINT',
    `model ${manifest.version} in ${location} was trained on feature set "${manifest.fingerprint}" ` +
      `but the running feature code is "${expected}": its inputs would not mean what it learned. ` +
      'Retrain it on the current features, or deploy the feature code it was trained with.',
  );
}

async function readOrFail<T>(read: () => Promise<T>, what: string, location: string): Promise<T> {
  try {
    return await read();
  } catch (err) {
    if (err instanceof ModelError) throw err;
    throw new ModelError('WEIR_MODEL_FORMAT', `cannot read ${what} in ${location}: ${(err as Error).message}`, {
      cause: err,
    });
  }
}

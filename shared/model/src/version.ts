/**
 * A pipeline's version is a content hash: the first 16 hex digits of SHA-256 over what determines
 * the score — the fingerprint, the preprocessing (features, transforms, stats, clip), the network
 * topology and its weights. The same model saved twice gets the same version; any change to what it
 * computes gets a new one. Creation time, thresholds and metrics are left out on purpose: they
 * describe or label the score without changing it (thresholds are overridden per customer anyway),
 * so an operator may retune the defaults in pipeline.json without breaking the hash check.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json.js';
import type { Calibration } from './calibration.js';
import type { NetworkArtifacts } from './model-files.js';
import type { Preprocessing } from './preprocess.js';
import type { TreeEnsemble } from './trees.js';

export const VERSION_HEX_DIGITS = 16;

/**
 * Tree ensembles and calibration enter the hash only when present, so a network pipeline saved
 * before either existed keeps its version.
 */
export function computeVersion(
  fingerprint: string,
  preprocessing: Preprocessing,
  model: NetworkArtifacts | TreeEnsemble,
  calibration: Calibration | null = null,
): string {
  const hash = createHash('sha256');
  const common = { fingerprint, features: preprocessing.features, clip: preprocessing.clip, ...(calibration ? { calibration } : {}) };
  if (model.format === 'weir-trees/1') {
    hash.update(canonicalJson({ ...common, trees: model as TreeEnsemble }));
    return hash.digest('hex').slice(0, VERSION_HEX_DIGITS);
  }
  const network = model as NetworkArtifacts;
  hash.update(canonicalJson({ ...common, modelTopology: network.modelTopology, weightSpecs: network.weightSpecs }));
  hash.update('\n');
  hash.update(new Uint8Array(network.weightData));
  return hash.digest('hex').slice(0, VERSION_HEX_DIGITS);
}

/**
 * A model pipeline: preprocessing + network + the metadata that travels with them, as one
 * immutable, versioned unit. Built by training or by loading; scores rows, labels scores, and
 * explains single rows. Its artifacts never change after construction, so saving it again writes
 * byte-identical network files and the same version.
 */
import type * as tf from '@tensorflow/tfjs';
import type { ScoreLabel } from '@weir/contracts';
import { ensureBackend } from './backend.js';
import { ModelError } from './errors.js';
import { PIPELINE_FORMAT, preprocessingOf, type PipelineManifest } from './manifest.js';
import { applyCalibration, type Calibration } from './calibration.js';
import { modelFromArtifacts, type NetworkArtifacts } from './model-files.js';
import { forwardOf, predictStandardised } from './network.js';
import { predictTrees, type TreeEnsemble } from './trees.js';
import { standardiseRows, type Preprocessing } from './preprocess.js';
import { denseLayersOf, gradientTimesInput } from './gradient-attribution.js';
import { DEFAULT_REASON_COUNT, occlusionAttributions, singlePassAttributions } from './reasons.js';
import { treeShapley } from './tree-attribution.js';
import { labelFor, validateThresholds } from './thresholds.js';
import type { Attribution, ModelInput, Thresholds } from './types.js';
import { computeVersion } from './version.js';

/** Everything needed to build a pipeline except its version, which is derived. */
export type PipelineParts = Omit<PipelineManifest, 'format' | 'version'>;

/** What scores the standardised rows: a TF.js network (logistic regression, MLP) or a tree ensemble. */
export type ModelArtifacts = NetworkArtifacts | TreeEnsemble;

export function isTreeEnsemble(artifacts: ModelArtifacts): artifacts is TreeEnsemble {
  return artifacts.format === 'weir-trees/1';
}

/** Standardised rows (row-major) → raw scores in [0, 1]. */
type Predictor = (data: Float32Array) => Float64Array;

/** Standardised rows → per row, each player's push in log-odds (see reasons.ts). */
type Attributor = (data: Float32Array, playerOf: Int32Array, players: number) => Float64Array;

/** How `reasonsBatch` explains: in one pass when the model's form allows, else by occlusion. */
export type ReasonMethod = 'tree-shapley' | 'gradient-x-input' | 'occlusion';

export class ModelPipeline {
  readonly manifest: Readonly<PipelineManifest>;
  readonly artifacts: Readonly<ModelArtifacts>;
  private readonly model: tf.LayersModel | null;
  private readonly predictor: Predictor;
  private readonly attributor: Attributor | null;
  private readonly calibration: Calibration | null;
  private readonly preprocessing: Preprocessing;
  private readonly names: readonly string[];
  private readonly columnOf: ReadonlyMap<string, number>;
  private disposed = false;

  private constructor(manifest: PipelineManifest, artifacts: ModelArtifacts, model: tf.LayersModel | null) {
    this.manifest = manifest;
    this.artifacts = artifacts;
    this.model = model;
    const width = manifest.features.length;
    if (model === null) {
      const trees = artifacts as TreeEnsemble;
      this.predictor = (data) => predictTrees(trees, data);
      this.attributor = (data, playerOf, players) => treeShapley(trees, data, playerOf, players);
    } else {
      const forward = forwardOf(model);
      this.predictor = (data) => predictStandardised(forward, data, width);
      const layers = denseLayersOf(model);
      this.attributor = layers === null ? null : (data, playerOf, players) => gradientTimesInput(layers, data, playerOf, players);
    }
    this.calibration = manifest.calibration ?? null;
    this.preprocessing = preprocessingOf(manifest);
    this.names = manifest.features.map((f) => f.name);
    this.columnOf = new Map(this.names.map((name, i) => [name, i]));
  }

  /**
   * Builds a pipeline on the active backend. `expectedVersion`, when given (a loaded pipeline.json),
   * must match the hash of the content, or WEIR_MODEL_INTEGRITY is thrown.
   */
  static async create(parts: PipelineParts, artifacts: ModelArtifacts, expectedVersion?: string): Promise<ModelPipeline> {
    validateThresholds(parts.thresholds);
    const version = computeVersion(parts.fingerprint, preprocessingOf(parts), artifacts, parts.calibration ?? null);
    if (expectedVersion !== undefined && expectedVersion !== version) {
      throw new ModelError(
        'WEIR_MODEL_INTEGRITY',
        `pipeline content hashes to ${version} but pipeline.json says ${expectedVersion}: files are partial, mixed or edited`,
      );
    }
    const manifest: PipelineManifest = { format: PIPELINE_FORMAT, version, ...parts };
    if (isTreeEnsemble(artifacts)) {
      if (artifacts.width !== parts.features.length) {
        throw new ModelError('WEIR_MODEL_FORMAT', `the trees read ${artifacts.width} inputs but pipeline.json lists ${parts.features.length} features`);
      }
      return new ModelPipeline(manifest, artifacts, null);
    }
    await ensureBackend();
    const model = await modelFromArtifacts(artifacts);
    const inputWidth = model.inputs[0]?.shape[1];
    if (inputWidth !== parts.features.length) {
      model.dispose();
      throw new ModelError(
        'WEIR_MODEL_FORMAT',
        `the network reads ${String(inputWidth)} inputs but pipeline.json lists ${parts.features.length} features`,
      );
    }
    return new ModelPipeline(manifest, artifacts, model);
  }

  get version(): string {
    return this.manifest.version;
  }

  get fingerprint(): string {
    return this.manifest.fingerprint;
  }

  /** The input columns, in the order `scoreBatch` expects them. */
  get featureNames(): readonly string[] {
    return this.names;
  }

  /** `logistic`, `mlp` or `trees`; pipelines saved before families existed are MLPs. */
  get family(): string {
    return this.manifest.family ?? 'mlp';
  }

  /** The TF.js network's files, or null for a tree ensemble. */
  get network(): Readonly<NetworkArtifacts> | null {
    const artifacts = this.artifacts as ModelArtifacts;
    return isTreeEnsemble(artifacts) ? null : artifacts;
  }

  get thresholds(): Thresholds {
    return { ...this.manifest.thresholds };
  }

  /** Standardised rows (row-major Float32Array), as the network sees them: for debugging and evaluation. */
  preprocess(rows: readonly (readonly number[])[]): Float32Array {
    return standardiseRows(this.preprocessing, rows);
  }

  /** Bot scores in [0, 1] for rows in `featureNames` order: one tensor per batch, nothing left allocated. */
  scoreBatch(rows: readonly (readonly number[])[]): Float64Array {
    return this.predict(this.preprocess(rows));
  }

  /** Scores rows already standardised by `preprocess` (row-major): for attribution and importance loops. */
  scoreStandardised(data: Float32Array): Float64Array {
    return this.predict(data);
  }

  score(row: readonly number[]): number {
    return this.scoreBatch([row])[0] as number;
  }

  /** Scores an input whose columns may be in another order; missing columns count as missing values. */
  scoreInput(input: ModelInput): Float64Array {
    return this.scoreBatch(this.align(input));
  }

  /**
   * Reorders an input's columns into this pipeline's order. A column the pipeline needs but the
   * input lacks becomes NaN (→ the training mean); extra input columns are ignored.
   */
  align(input: ModelInput): readonly (readonly number[])[] {
    // Already in order (the usual case in the stream): no copy.
    if (sameNames(input.names, this.names)) return input.rows;
    const sourceOf = new Map(input.names.map((name, i) => [name, i]));
    const picks = this.names.map((name) => sourceOf.get(name));
    return input.rows.map((row, r) => {
      if (row.length !== input.names.length) {
        throw new ModelError('WEIR_MODEL_INPUT', `row ${r} has ${row.length} values for ${input.names.length} names`);
      }
      return picks.map((i) => (i === undefined ? Number.NaN : (row[i] as number)));
    });
  }

  /** The names this pipeline needs that `names` lacks: worth a warning before scoring. */
  missingFeatures(names: readonly string[]): string[] {
    const given = new Set(names);
    return this.names.filter((name) => !given.has(name));
  }

  columnIndex(name: string): number | undefined {
    return this.columnOf.get(name);
  }

  /** `human`/`suspicious`/`bot` by the pipeline's thresholds or the caller's (e.g. a customer's) override. */
  label(score: number, thresholds: Thresholds = this.manifest.thresholds): ScoreLabel {
    return labelFor(score, thresholds);
  }

  /** The features that pushed this row's score up, largest share first (see reasons.ts). */
  reasons(row: readonly number[], k: number = DEFAULT_REASON_COUNT): Attribution[] {
    return this.reasonsBatch([row], k)[0] as Attribution[];
  }

  /** How `reasonsBatch` explains this pipeline's model. */
  get reasonMethod(): ReasonMethod {
    if (this.attributor === null) return 'occlusion';
    return this.model === null ? 'tree-shapley' : 'gradient-x-input';
  }

  /**
   * One pass over the rows, whatever the number of features (see `reasonMethod`). `groupOf` puts
   * columns of one group together, explained and reported as one feature (see reasons.ts).
   */
  reasonsBatch(rows: readonly (readonly number[])[], k: number = DEFAULT_REASON_COUNT, groupOf?: (column: string) => string): Attribution[][] {
    const attributor = this.attributor;
    if (attributor === null) return this.occlusionReasonsBatch(rows, k, groupOf);
    this.assertUsable();
    return singlePassAttributions(attributor, this.preprocess(rows), rows, this.names, k, groupOf);
  }

  /** Reasons by occlusion, a forward pass per feature group: the reference single-pass reasons are checked against. */
  occlusionReasonsBatch(rows: readonly (readonly number[])[], k: number = DEFAULT_REASON_COUNT, groupOf?: (column: string) => string): Attribution[][] {
    return occlusionAttributions((data) => this.predict(data), this.preprocess(rows), rows, this.names, k, groupOf);
  }

  /** Frees the network's weights. Scoring afterwards throws. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.model?.dispose();
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  private predict(data: Float32Array): Float64Array {
    this.assertUsable();
    const raw = this.predictor(data);
    return this.calibration === null ? raw : applyCalibration(this.calibration, raw);
  }

  private assertUsable(): void {
    if (this.disposed) throw new ModelError('WEIR_MODEL_DISPOSED', `pipeline ${this.version} has been disposed`);
  }
}

function sameNames(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((name, i) => name === b[i]);
}

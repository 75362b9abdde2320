/**
 * Labelled rows → a trained pipeline whose `pipeline.json` also says what it was trained on
 * (inputs, format, session key, sessions, labelled and unlabelled counts, families), so a model
 * directory found later explains itself.
 */
import { featureSetFingerprint } from '@weir/features';
import {
  ModelPipeline,
  trainCrossValidated,
  trainModel,
  type CrossValidatedModel,
  type FoldBy,
  type ModelFamily,
  type ThresholdTarget,
  type TrainingSummary,
} from '@weir/model';
import { MODEL_INPUT_NAMES } from '@weir/pipeline';
import { familiesOf, type LabelledRows } from './dataset.js';
import type { Progress } from './progress.js';

export interface TrainingData {
  inputs: string[];
  labels: string[];
  format: string;
  sessionKey: string;
  lines: number;
  rejectedLines: number;
  sessions: number;
  labelled: number;
  unlabelled: number;
  bots: number;
  humans: number;
  byFamily: Record<string, number>;
}

/**
 * Some L2 keeps the network's logits moderate. Unpenalised, it separates simulated traffic so
 * completely that many bots' logits exceed ~17, where a float32 sigmoid is exactly 1: the score
 * then cannot drop when a feature is occluded, and the reasons (occlusion deltas in probability
 * space, shared/model reasons.ts) come out empty for those sessions.
 */
export const DEFAULT_L2 = 1e-3;

export interface TrainingSettings {
  seed: number;
  l2: number;
  epochs: number;
  validationSplit: number;
  patience: number;
}

/** What `pipeline.json`'s `training` holds: the trainer's summary plus the data it came from. */
export type TrainingRecord = TrainingSummary & { data: TrainingData };

export async function trainOnRows(set: LabelledRows, data: TrainingData, settings: TrainingSettings, progress: Progress): Promise<ModelPipeline> {
  const families = familiesOf(set);
  const trained = await trainModel({
    names: MODEL_INPUT_NAMES,
    rows: set.rows,
    labels: set.labels,
    ...(families ? { families } : {}),
    fingerprint: featureSetFingerprint,
    seed: settings.seed,
    epochs: settings.epochs,
    validationSplit: settings.validationSplit,
    patience: settings.patience,
    network: { l2: settings.l2 },
    onEpoch: (_, logs) =>
      progress.line(
        `epoch ${String(logs.epoch).padStart(3)}/${logs.epochs}  loss ${logs.loss.toFixed(4)}  val loss ${logs.valLoss.toFixed(4)}  ` +
          `val AUC ${logs.valAuc === null ? '—' : logs.valAuc.toFixed(4)}${logs.best ? '  *' : ''}  ${(logs.elapsedMs / 1000).toFixed(1)} s`,
      ),
  });
  return withData(trained, data);
}

/** Same model, preprocessing and calibration, so the same version: the data summary is informational. */
async function withData(trained: ModelPipeline, data: TrainingData): Promise<ModelPipeline> {
  const { format: _format, version: _version, ...parts } = trained.manifest;
  if (parts.training === null) return trained;
  const training: TrainingRecord = { ...parts.training, data };
  const described = await ModelPipeline.create({ ...parts, training }, trained.artifacts);
  trained.dispose();
  return described;
}

export interface CrossValidationSettings {
  seed: number;
  l2: number;
  folds: number;
  by: FoldBy;
  candidates: ModelFamily[];
  target: ThresholdTarget;
}

/** `weir train --cv K`: out-of-fold model choice, calibration and thresholds, then a fit on every row. */
export async function trainOnRowsCrossValidated(
  set: LabelledRows,
  data: TrainingData,
  settings: CrossValidationSettings,
  progress: Progress,
): Promise<CrossValidatedModel> {
  const families = familiesOf(set);
  const result = await trainCrossValidated({
    names: MODEL_INPUT_NAMES,
    rows: set.rows,
    labels: set.labels,
    ...(families ? { families } : {}),
    times: set.times,
    fingerprint: featureSetFingerprint,
    folds: settings.folds,
    by: settings.by,
    candidates: settings.candidates,
    target: settings.target,
    seed: settings.seed,
    settings: { l2: settings.l2 },
    onProgress: (message) => progress.line(message),
  });
  return { ...result, pipeline: await withData(result.pipeline, data) };
}

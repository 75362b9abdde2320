/**
 * @weir/model — versioned model pipelines (preprocessing + TF.js network) over feature vectors:
 * train, evaluate, report, save/load, score with reasons, and hot-reload in the score service.
 */
export { ModelError, isModelError, type ModelErrorCode } from './errors.js';
export type { Attribution, ModelInput, Thresholds } from './types.js';
export { DEFAULT_THRESHOLDS, labelFor, validateThresholds } from './thresholds.js';
export {
  DEFAULT_CLIP,
  applyTransform,
  chooseTransform,
  fitPreprocessing,
  slog1p,
  standardiseRows,
  type FeaturePreprocessing,
  type FeatureTransform,
  type FitPreprocessingOptions,
  type Preprocessing,
} from './preprocess.js';
export { DEFAULT_NETWORK, MAX_TENSOR_ROWS, type NetworkSpec } from './network.js';
export {
  PIPELINE_FORMAT,
  PIPELINE_JSON,
  MODEL_FAMILIES,
  type ModelFamily,
  type PipelineManifest,
  type TrainingSummary,
  type ValidationSummary,
} from './manifest.js';
export { computeVersion } from './version.js';
export { MODEL_JSON, WEIGHTS_BIN, fileSystemIO, type NetworkArtifacts } from './model-files.js';
export { ModelPipeline, isTreeEnsemble, type ModelArtifacts, type PipelineParts, type ReasonMethod } from './pipeline.js';
export { untrainedPipeline, type UntrainedOptions } from './untrained.js';
export { DEFAULT_REASON_COUNT, reasonAgreement, type ReasonAgreement } from './reasons.js';
export {
  checkFingerprint,
  loadModelPipeline,
  readPipelineManifest,
  saveModelPipeline,
  type LoadOptions,
} from './persist.js';
export { trainModel, type EpochLogs, type TrainOptions } from './train.js';
export {
  assignFolds,
  chooseThresholds,
  trainCrossValidated,
  type CrossValidatedModel,
  type CrossValidatedTrainOptions,
  type CrossValidationSummary,
  type FamilyResult,
  type FoldBy,
  type ThresholdTarget,
} from './cross-validate.js';
export { FAMILY_REASONS, DEFAULT_FAMILY_SETTINGS, type FamilySettings } from './families.js';
export { applyCalibration, fitPlatt, reliabilityBins, expectedCalibrationError, type Calibration, type ReliabilityBin } from './calibration.js';
export { DEFAULT_TREES, TREES_JSON, type TreeEnsemble, type TreeSpec } from './trees.js';
export * from './metrics.js';
export { evaluateScores, type ScoreEvaluation, type ScoreEvaluationOptions } from './score-evaluation.js';
export {
  evaluateModel,
  permutationImportance,
  type EvaluateOptions,
  type Evaluation,
  type FeatureImportance,
} from './evaluate.js';
export { renderEvaluationReport, writeEvaluationReport, type ReportInput, type ReportOptions } from './report.js';
export {
  ModelStore,
  type ModelLoadedEvent,
  type ModelRefusedEvent,
  type ModelSlot,
  type ModelStoreEvents,
  type ModelStoreOptions,
} from './model-store.js';
export {
  activeBackend,
  availableBackends,
  ensureBackend,
  selectBackend,
  isBackendChoice,
  BACKEND_CHOICES,
  type BackendChoice,
  type BackendName,
} from './backend.js';

/**
 * @weir/model — versioned model pipelines (preprocessing + TF.js network) over feature vectors:
 * train, evaluate, report, save/load, score with reasons, and hot-reload in the score service.
 */
export { ModelError, isModelError, type ModelErrorCode } from './errors.js';
export type { Attribution, ModelInput, Thresholds } from './types.js';
export { DEFAULT_THRESHOLDS, labelFor, validateThresholds } from './thresholds.js';
export * from './metrics.js';
export { evaluateScores, type ScoreEvaluation, type ScoreEvaluationOptions } from './score-evaluation.js';

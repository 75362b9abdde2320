/**
 * @weir/pipeline: the stages the services run (sessionize, window, score), the scorers, the
 * join with each customer's window baseline, and the same logic in one offline pass for files.
 */
export { MODEL_INPUT_NAMES, modelRow, type ModelRow } from './model-input.js';
export { labelOf, reasonOf, type Scorer, type ScoringItem, type SessionScore, type Thresholds } from './scorer.js';
export { BaselineScorer, type BaselineScorerOptions } from './baseline-scorer.js';
export { ModelScorer, reasonFeatureOf } from './model-scorer.js';
export { scoreRecord, type ScoreRecordMeta } from './score-record.js';
export {
  DEFAULT_MAX_WINDOWS_PER_CUSTOMER,
  DEFAULT_WINDOW_RETENTION_MS,
  WindowTable,
  type WindowEviction,
  type WindowTableOptions,
} from './window-table.js';
export { PartitionCheckpoints, type CheckpointEntry, type SnapshotParts } from './partition-checkpoint.js';
export { sessionizeStage, type SessionizeStageOptions, type SessionizeState } from './sessionize-stage.js';
export { sessionizeStateCodec } from './sessionize-state-codec.js';
export { DEFAULT_PROGRESS_IDLE_AFTER_MS, type SessionProgressOptions } from './session-progress.js';
export { windowStage, windowKey, type WindowStageOptions, type WindowState } from './window-stage.js';
export { windowMergeStage, type MergeEntry, type WindowMergeOptions } from './window-merge.js';
export { broadcastKeys, pieceRecord, progressRecord } from './window-partials.js';
export { scoreStage, type ScoreStageOptions, type ScoreState } from './score-stage.js';
export { followWindows, type WindowFollower, type WindowFollowerOptions } from './window-follower.js';
export { ensurePipelineTopics, namespacedSerde, pipelineTopics, topicIn, type PipelineTopicsOptions } from './topics.js';
export { OfflinePipeline, finalSessions, type FinalSession, type OfflineConfig, type OfflineStats } from './offline.js';
export {
  runSessionize,
  runWindow,
  runScore,
  type StageRunOptions,
  type SessionizeRunOptions,
  type WindowRunOptions,
  type ScoreRunOptions,
} from './run.js';
export { checkpointedStage, type CheckpointedStageOptions } from './checkpointed-stage.js';
export { DEFAULT_MODEL_DIR, loadScoring, type Scoring, type ScoringOptions } from './scoring.js';
export { shippedModelDir, workspaceRoot } from './model-location.js';
export {
  applyTopicPlan,
  configEntries,
  describeChange,
  desiredTopics,
  existingTopics,
  planTopics,
  TopicConfigError,
  MANAGED_CONFIG,
  type CleanupPolicy,
  type DesiredTopic,
  type ExistingTopic,
  type TopicChange,
  type TopicConfigFile,
  type TopicPlan,
  type TopicSettings,
} from './topic-plan.js';

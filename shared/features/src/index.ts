/**
 * @weir/features: the feature library both the streaming stages and the offline CLI call.
 *
 * - registry: every feature's name, definition, unit and group, and the feature-set fingerprint;
 * - Sessionizer: request events → SessionFeatures records (event time, reorder buffer, timers);
 * - WindowBaseline: SessionFeatures → per-customer WindowSummary baselines;
 * - relativeFeatures: a session against its baseline (z and robust scores).
 */
export { FeatureError, isFeatureError, type FeatureErrorCode } from './errors.js';
export {
  FEATURES,
  FEATURE_NAMES,
  FEATURE_SET_VERSION,
  RELATIVE_DEFINITION,
  RELATIVE_FEATURE_PREFIX,
  featureDefinition,
  featureSetFingerprint,
  isFeatureName,
  relativeFeatureNames,
  type FeatureDefinition,
  type FeatureGroup,
  type FeatureName,
  type FeatureUnit,
} from './registry.js';
export { SessionAccumulator, type CustomerContext } from './accumulator.js';
export { restoreAccumulator, snapshotAccumulator, type AccumulatorSnapshot } from './accumulator-state.js';
export { sessionFeatureValues, type SessionProfile } from './session-features.js';
export { BROWSER_FAMILIES, knownUserAgent, uaSignals, uaVersionsBehind, type BrowserFamily, type KnownUserAgent, type UaSignals } from './user-agent.js';
export { BROWSER_RELEASES_AS_OF, currentMajor, versionsBehind, type DatedFamily } from './browser-versions.js';
export { localClock, type LocalClock } from './local-time.js';
export { classifyReferrer, siteHosts, type ReferrerKind, type SiteHosts } from './referrer.js';
export { analysePath, newPathFacts, type PathFacts, type ResourceKind } from './paths.js';
export {
  DEFAULT_SESSION_KEY,
  ipUaKey,
  keyNeedsAddress,
  NO_ADDRESS,
  sessionKeyer,
  unkeyableReason,
  type SessionKeyer,
  type SessionKeySpec,
} from './session-key.js';
export {
  SESSIONIZER_DEFAULTS,
  resolveSessionizerConfig,
  type CustomerSettings,
  type SessionizerConfig,
} from './sessionizer-config.js';
export {
  Sessionizer,
  sessionIdOf,
  type LateEvent,
  BUFFER_CHUNK,
  type BufferChunk,
  type BufferSpan,
  type SessionizerChanges,
  type SessionizerOutput,
  type SessionizerStats,
} from './sessionizer.js';
export {
  decodeSessionizerSnapshot,
  encodeSessionizerSnapshot,
  type ClosedEarly,
  type SessionizerSnapshot,
  type SessionSnapshot,
} from './sessionizer-state.js';
export { lastWindowEndFor, windowSpec, windowStartsFor, type WindowSpec } from './windowing.js';
export {
  DEFAULT_QUANTILES,
  DEFAULT_RELATIVE_ACCURACY,
  FeatureAggregate,
  type FeatureAggregateState,
} from './feature-aggregate.js';
export {
  WindowBaseline,
  type CustomerCheckpointView,
  type WindowCheckpointView,
  type LateSessionKind,
  type LateSessionRecord,
  type WindowBaselineConfig,
  type WindowOutput,
  type WindowStats,
} from './window.js';
export { decodeWindowSnapshot, encodeWindowSnapshot, type SourceGroupSnapshot, type WindowBaselineSnapshot } from './window-state.js';
export { aggregateFromRecord, aggregateRecord, mergePieceAggregates, mergePieces, summaryFromAggregates, type PieceAggregates, type WindowPiece } from './window-partial.js';
export { exactAdd, exactProduct, exactValue } from './exact-sum.js';
export {
  IQR_TO_SIGMA,
  MAD_TO_SIGMA,
  deviation,
  relativeFeatures,
  robustScale,
  type FeatureDeviation,
  type RelativeFeatures,
  type RelativeOptions,
} from './relative.js';

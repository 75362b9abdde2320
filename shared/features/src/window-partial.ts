/**
 * Partial window baselines: one input partition's share of a customer's window, in mergeable form
 * (the exact sums and sketch bins of every feature), and their merge into the `WindowSummary` one
 * instance reading every partition would have published. The aggregates are exact and
 * order-free (feature-aggregate.ts), so the merge equals that summary bit for bit.
 */
import type { FeatureAggregateRecord, WindowSummary } from '@weir/contracts';
import { FeatureError } from './errors.js';
import { DEFAULT_QUANTILES, FeatureAggregate } from './feature-aggregate.js';
import { FEATURE_NAMES, featureSetFingerprint } from './registry.js';

/** A window's share as a WindowBaseline in partial mode hands it out (no partition yet). */
export interface WindowPiece {
  customer: string;
  windowStart: number;
  windowEnd: number;
  sessionCount: number;
  closed: boolean;
  /** The customer's watermark in the baseline that made it. */
  watermark: number;
  /** One per registry feature, in registry order. */
  aggregates: FeatureAggregateRecord[];
}

export function aggregateRecord(aggregate: FeatureAggregate): FeatureAggregateRecord {
  const state = aggregate.state();
  return {
    n: state.n,
    sum: state.sum ?? [],
    sumSq: state.sumSq ?? [],
    min: state.min ?? 0,
    max: state.max ?? 0,
    accuracy: state.sketch.accuracy,
    zero: state.sketch.zero,
    positive: state.sketch.positive,
    negative: state.sketch.negative,
  };
}

export function aggregateFromRecord(record: FeatureAggregateRecord): FeatureAggregate {
  return FeatureAggregate.fromState({
    n: record.n,
    sum: record.sum,
    sumSq: record.sumSq,
    min: record.n > 0 ? record.min : null,
    max: record.n > 0 ? record.max : null,
    sketch: { accuracy: record.accuracy, zero: record.zero, positive: record.positive, negative: record.negative },
  });
}

/** The summary of a window from its aggregates (registry order); no statistics when it is empty. */
export function summaryFromAggregates(
  window: { customer: string; windowStart: number; windowEnd: number; closed: boolean },
  aggregates: readonly FeatureAggregate[],
  sessionCount: number,
  quantiles: readonly number[] = DEFAULT_QUANTILES,
): WindowSummary {
  const features: WindowSummary['features'] = {};
  if (sessionCount > 0) {
    for (let i = 0; i < FEATURE_NAMES.length; i++) features[FEATURE_NAMES[i] as string] = (aggregates[i] as FeatureAggregate).stats(quantiles);
  }
  return { ...window, sessionCount, featureSet: featureSetFingerprint, features };
}

/** A window's share: its sessions and one aggregate per registry feature. */
export interface PieceAggregates {
  sessionCount: number;
  aggregates: FeatureAggregateRecord[];
}

/** `pieces` merged into one (exact: any grouping and order gives the same). */
export function mergePieceAggregates(pieces: Iterable<PieceAggregates>, label = 'window'): PieceAggregates {
  const merged = mergeToAggregates(pieces, label);
  return { sessionCount: merged.sessionCount, aggregates: merged.aggregates.map(aggregateRecord) };
}

/** `pieces` merged into live aggregates (registry order). */
function mergeToAggregates(pieces: Iterable<PieceAggregates>, label: string): { sessionCount: number; aggregates: FeatureAggregate[] } {
  let merged: FeatureAggregate[] | null = null;
  let sessionCount = 0;
  for (const piece of pieces) {
    if (piece.aggregates.length !== FEATURE_NAMES.length) {
      throw new FeatureError(
        'WEIR_FEATURES_INVALID_INPUT',
        `${label}: a partial has ${piece.aggregates.length} aggregates, this feature set has ${FEATURE_NAMES.length}`,
      );
    }
    sessionCount += piece.sessionCount;
    if (merged === null) merged = piece.aggregates.map(aggregateFromRecord);
    // Merged straight from the record: no aggregate built for the piece only to be folded in.
    else for (let i = 0; i < merged.length; i++) (merged[i] as FeatureAggregate).mergeRecord(piece.aggregates[i] as FeatureAggregateRecord);
  }
  return { sessionCount, aggregates: merged ?? FEATURE_NAMES.map(() => new FeatureAggregate()) };
}

/**
 * The summary of a window made of `pieces` (one per input partition that had sessions in it).
 * Which partitions' pieces belong together, and when they are all in, is the caller's business.
 */
export function mergePieces(
  window: { customer: string; windowStart: number; windowEnd: number; closed: boolean },
  pieces: Iterable<PieceAggregates>,
  quantiles: readonly number[] = DEFAULT_QUANTILES,
): WindowSummary {
  const merged = mergeToAggregates(pieces, `window ${window.customer}@${window.windowStart}`);
  return summaryFromAggregates(window, merged.aggregates, merged.sessionCount, quantiles);
}

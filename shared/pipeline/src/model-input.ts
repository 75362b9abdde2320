import type { SessionFeatures, WindowSummary } from '@weir/contracts';
import { FEATURE_NAMES, relativeFeatureNames, relativeFeatures, type RelativeFeatures } from '@weir/features';

/**
 * What a model reads for one session: every registry feature, then its z and robust z against
 * the customer's window baseline. Training, offline scoring and the score service all build rows
 * here, so a model always sees columns computed by one piece of code.
 */
export const MODEL_INPUT_NAMES: readonly string[] = Object.freeze([...FEATURE_NAMES, ...relativeFeatureNames()]);

export interface ModelRow {
  values: number[];
  relative: RelativeFeatures;
}

export function modelRow(session: SessionFeatures, baseline: WindowSummary | null): ModelRow {
  const relative = relativeFeatures(session, baseline);
  const values = new Array<number>(MODEL_INPUT_NAMES.length);
  let i = 0;
  for (const name of FEATURE_NAMES) values[i++] = session.features[name] ?? 0;
  // relative.values is in relativeFeatureNames() order, the order of the names after FEATURE_NAMES.
  for (const value of relative.values) values[i++] = value;
  return { values, relative };
}

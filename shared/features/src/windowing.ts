/**
 * Window definition, apart from what is aggregated in a window: which windows an event time
 * falls in. Windows are [start, start + size) with starts at offset + k·hop; hop = size gives
 * tumbling windows, hop < size overlapping (hopping) ones.
 */
import { FeatureError } from './errors.js';

export interface WindowSpec {
  readonly sizeMs: number;
  readonly hopMs: number;
  readonly offsetMs: number;
}

export function windowSpec(sizeMs = 60_000, hopMs: number = sizeMs, offsetMs = 0): WindowSpec {
  if (!Number.isInteger(sizeMs) || sizeMs <= 0) throw new FeatureError('WEIR_FEATURES_CONFIG', `window size ${sizeMs} must be a positive integer (ms)`);
  if (!Number.isInteger(hopMs) || hopMs <= 0 || hopMs > sizeMs) {
    throw new FeatureError('WEIR_FEATURES_CONFIG', `window hop ${hopMs} must be a positive integer no larger than the size ${sizeMs}`);
  }
  if (!Number.isInteger(offsetMs)) throw new FeatureError('WEIR_FEATURES_CONFIG', `window offset ${offsetMs} must be an integer (ms)`);
  return { sizeMs, hopMs, offsetMs };
}

/** Start of the latest window containing `time`. */
export function latestWindowStart(time: number, spec: WindowSpec): number {
  return Math.floor((time - spec.offsetMs) / spec.hopMs) * spec.hopMs + spec.offsetMs;
}

/** Starts of every window containing `time`, earliest first (one for tumbling windows). */
export function windowStartsFor(time: number, spec: WindowSpec): number[] {
  const latest = latestWindowStart(time, spec);
  const starts: number[] = [];
  for (let start = latest; start > time - spec.sizeMs; start -= spec.hopMs) starts.push(start);
  return starts.reverse();
}

/** End of the latest window containing `time`: once that window closes, `time` is in no open window. */
export function lastWindowEndFor(time: number, spec: WindowSpec): number {
  return latestWindowStart(time, spec) + spec.sizeMs;
}

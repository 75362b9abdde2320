/** Shapes shared across the package's concerns. */

/**
 * What a model reads: named columns and rows of numbers. The caller (the feature library) decides
 * the names — a session's raw features, then window-relative ones such as `<feature>__rz`; this
 * package never assumes any particular name.
 */
export interface ModelInput {
  names: readonly string[];
  rows: readonly (readonly number[])[];
}

/** Score cut-offs: `score ≥ bot` is a bot, `score ≥ suspicious` is suspicious, anything lower is human. */
export interface Thresholds {
  suspicious: number;
  bot: number;
}

/** One feature's push on one row's score. */
export interface Attribution {
  feature: string;
  /** The raw input value, before any transform. */
  value: number;
  /** Its share of the total upward push (the positive contributions sum to 1). */
  contribution: number;
  /**
   * Its push away from the training mean: the score drop when it is replaced by that mean
   * (occlusion), or its log-odds share of the model's output (single-pass attribution).
   */
  delta: number;
}

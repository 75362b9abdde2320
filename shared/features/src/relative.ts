/**
 * Relative features: how far a session sits from its customer's baseline (a WindowSummary), per
 * feature, as a z-score against the window's exact mean and standard deviation and as a robust
 * score against its median and MAD. They feed the model (as `z_<feature>` and `rz_<feature>`)
 * and the reasons shown with a score.
 *
 * Guarding the robust scale. Many features have most sessions at exactly 0 (share_post,
 * robots_txt...), which makes MAD = 0. The scale then falls back to IQR/1.349 (the normal-
 * consistent IQR), then to the standard deviation (still > 0 when a few sessions differ), and is
 * never below max(1e-6, 0.02·|median|): the median comes from a sketch with 1% relative
 * accuracy, so differences smaller than a couple of its bins are noise, not signal. Scores are
 * clipped to ±50 so one degenerate feature cannot dominate the model's input.
 */
import type { FeatureStats, SessionFeatures, WindowSummary } from '@weir/contracts';
import { FeatureError } from './errors.js';
import { FEATURE_NAMES, featureSetFingerprint, RELATIVE_FEATURE_PREFIX } from './registry.js';

export interface RelativeOptions {
  /** Scores are clipped to ±clip. Default 50. */
  clip?: number;
  /** Smallest scale, absolute. Default 1e-6. */
  absoluteFloor?: number;
  /** Smallest robust scale as a share of |median|. Default 0.02. */
  relativeFloor?: number;
}

/** MAD × 1.4826 estimates the standard deviation of normally distributed data. */
export const MAD_TO_SIGMA = 1.4826;
/** IQR / 1.349 estimates the standard deviation of normally distributed data. */
export const IQR_TO_SIGMA = 1.349;

export interface FeatureDeviation {
  feature: string;
  value: number;
  mean: number;
  std: number;
  median: number;
  mad: number;
  /** The robust scale actually divided by (after fallbacks and floor). */
  robustScale: number;
  z: number;
  robustZ: number;
}

export interface RelativeFeatures {
  /** Start of the baseline window, or null without one. */
  windowStart: number | null;
  /** One per feature the baseline has, in registry order. */
  deviations: FeatureDeviation[];
  /** The one of `deviations` for `feature` (undefined where it has none), without computing the others. */
  deviationOf(feature: string): FeatureDeviation | undefined;
  /** `z_<f>` and `rz_<f>` for every registry feature; 0 where there is no baseline for it. */
  vector: Record<string, number>;
  /** The same numbers as `vector`, in `relativeFeatureNames()` order: what a model row copies. */
  values: Float64Array;
}

function clip(value: number, limit: number): number {
  return value > limit ? limit : value < -limit ? -limit : value;
}

/** The robust scale of a feature's baseline (see the module comment). */
export function robustScale(stats: FeatureStats, options: RelativeOptions = {}): number {
  let scale = MAD_TO_SIGMA * stats.mad;
  if (!(scale > 0)) {
    const q1 = stats.quantiles['0.25'];
    const q3 = stats.quantiles['0.75'];
    if (q1 !== undefined && q3 !== undefined) scale = (q3 - q1) / IQR_TO_SIGMA;
  }
  if (!(scale > 0)) scale = Math.sqrt(stats.variance);
  const floor = Math.max(options.absoluteFloor ?? 1e-6, (options.relativeFloor ?? 0.02) * Math.abs(stats.median));
  return scale > floor ? scale : floor;
}

/** z and robust z of one value against one feature's baseline. */
export function deviation(feature: string, value: number, stats: FeatureStats, options: RelativeOptions = {}): FeatureDeviation {
  return deviationWith(feature, value, stats, scales(stats, options), options);
}

function deviationWith(feature: string, value: number, stats: FeatureStats, { std, zScale, robustScale: scale }: Scales, options: RelativeOptions): FeatureDeviation {
  const limit = options.clip ?? 50;
  const z = clip((value - stats.mean) / zScale, limit);
  const robustZ = clip((value - stats.median) / scale, limit);
  return {
    feature,
    value,
    mean: stats.mean,
    std,
    median: stats.median,
    mad: stats.mad,
    robustScale: scale,
    z: z === 0 ? 0 : z,
    robustZ: robustZ === 0 ? 0 : robustZ,
  };
}

export function relativeFeatures(
  session: SessionFeatures,
  baseline: WindowSummary | null,
  options: RelativeOptions = {},
): RelativeFeatures {
  for (const [what, fingerprint] of [
    ['session', session.featureSet],
    ['baseline', baseline?.featureSet ?? featureSetFingerprint],
  ] as const) {
    if (fingerprint !== featureSetFingerprint) {
      throw new FeatureError(
        'WEIR_FEATURES_FINGERPRINT_MISMATCH',
        `${what} was computed by feature set ${fingerprint}, this code is ${featureSetFingerprint}`,
      );
    }
  }
  return new SessionDeviations(session, baseline, options);
}

const RELATIVE_NAMES = FEATURE_NAMES.flatMap((name) => [RELATIVE_FEATURE_PREFIX.z + name, RELATIVE_FEATURE_PREFIX.robust + name]);

/** Per baseline feature, what every session scored against it divides by: computed once per baseline. */
interface Scales {
  std: number;
  zScale: number;
  robustScale: number;
}
const scalesOf = new WeakMap<FeatureStats, Scales>();

function scales(stats: FeatureStats, options: RelativeOptions): Scales {
  const defaults = options.absoluteFloor === undefined && options.relativeFloor === undefined;
  const cached = defaults ? scalesOf.get(stats) : undefined;
  if (cached) return cached;
  const std = Math.sqrt(stats.variance);
  const computed = { std, zScale: Math.max(std, options.absoluteFloor ?? 1e-6), robustScale: robustScale(stats, options) };
  if (defaults) scalesOf.set(stats, computed);
  return computed;
}

/**
 * The scores are computed at once into `values` (the model reads them on every session update);
 * the deviation objects and the named vector only when asked for (reasons read them for flagged
 * sessions), so the hot path allocates one array per session, not 60 objects and a 120-key record.
 */
class SessionDeviations implements RelativeFeatures {
  readonly windowStart: number | null;
  readonly values: Float64Array;
  private deviationList: FeatureDeviation[] | null = null;
  private named: Record<string, number> | null = null;

  constructor(
    private readonly session: SessionFeatures,
    private readonly baseline: WindowSummary | null,
    private readonly options: RelativeOptions,
  ) {
    this.windowStart = baseline?.windowStart ?? null;
    this.values = new Float64Array(RELATIVE_NAMES.length);
    if (baseline === null) return;
    const limit = options.clip ?? 50;
    for (let f = 0; f < FEATURE_NAMES.length; f++) {
      const feature = FEATURE_NAMES[f] as string;
      const value = session.features[feature];
      const stats = baseline.features[feature];
      if (value === undefined || stats === undefined || !(stats.count > 0)) continue;
      const { zScale, robustScale: scale } = scales(stats, options);
      // As `deviation` computes them (-0 made 0), without its object.
      const z = clip((value - stats.mean) / zScale, limit);
      const robustZ = clip((value - stats.median) / scale, limit);
      this.values[2 * f] = z === 0 ? 0 : z;
      this.values[2 * f + 1] = robustZ === 0 ? 0 : robustZ;
    }
  }

  get deviations(): FeatureDeviation[] {
    if (this.deviationList === null) {
      this.deviationList = [];
      for (const feature of FEATURE_NAMES) {
        const found = this.deviationOf(feature);
        if (found !== undefined) this.deviationList.push(found);
      }
    }
    return this.deviationList;
  }

  deviationOf(feature: string): FeatureDeviation | undefined {
    const value = this.session.features[feature];
    const stats = this.baseline?.features[feature];
    if (value === undefined || stats === undefined || !(stats.count > 0)) return undefined;
    return deviationWith(feature, value, stats, scales(stats, this.options), this.options);
  }

  get vector(): Record<string, number> {
    if (this.named === null) {
      const named: Record<string, number> = {};
      RELATIVE_NAMES.forEach((name, i) => (named[name] = this.values[i] as number));
      this.named = named;
    }
    return this.named;
  }
}

/** Score → label, with defaults carried by the pipeline and per-customer overrides passed by the caller. */
import type { ScoreLabel } from '@weir/contracts';
import { ModelError } from './errors.js';
import type { Thresholds } from './types.js';

export const DEFAULT_THRESHOLDS: Readonly<Thresholds> = Object.freeze({ suspicious: 0.5, bot: 0.8 });

export function validateThresholds(thresholds: Thresholds): Thresholds {
  const { suspicious, bot } = thresholds;
  if (!(Number.isFinite(suspicious) && Number.isFinite(bot) && suspicious >= 0 && suspicious <= bot && bot <= 1)) {
    throw new ModelError(
      'WEIR_MODEL_THRESHOLDS',
      `thresholds must satisfy 0 ≤ suspicious ≤ bot ≤ 1, got suspicious=${suspicious} bot=${bot}`,
    );
  }
  return { suspicious, bot };
}

export function labelFor(score: number, thresholds: Thresholds): ScoreLabel {
  if (score >= thresholds.bot) return 'bot';
  if (score >= thresholds.suspicious) return 'suspicious';
  return 'human';
}

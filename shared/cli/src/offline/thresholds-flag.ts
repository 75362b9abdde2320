/** `--thresholds S,B`: the suspicious and bot cut-offs to judge or label with instead of the model's own. */
import type { Thresholds } from '@weir/model';
import { UsageError } from '../command.js';

export function thresholdsFlag(value: string | undefined): Thresholds | undefined {
  if (value === undefined) return undefined;
  const parts = value.split(',').map((p) => Number(p.trim()));
  const [suspicious, bot] = parts;
  if (parts.length !== 2 || suspicious === undefined || bot === undefined || !(suspicious >= 0 && suspicious <= bot && bot <= 1)) {
    throw new UsageError(`--thresholds must be SUSPICIOUS,BOT with 0 ≤ SUSPICIOUS ≤ BOT ≤ 1, e.g. 0.5,0.8; got '${value}'`);
  }
  return { suspicious, bot };
}

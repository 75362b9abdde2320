/**
 * Confluent's compatibility levels, decided with avsc's schema resolution (the same rules the
 * readers apply at decode time, so "compatible" means "the serde will actually read it").
 */
import { resolutionError, type AvroType } from './avro.js';
import type { CompatibilityLevel } from './registry.js';

export interface Incompatibility {
  /** Index into `previous` of the version that conflicts. */
  index: number;
  reason: string;
}

/** `previous` is oldest first. Returns the first conflict, or null when `candidate` is allowed. */
export function findIncompatibility(
  level: CompatibilityLevel,
  candidate: AvroType,
  previous: readonly AvroType[],
): Incompatibility | null {
  if (level === 'NONE' || previous.length === 0) return null;
  const transitive = level.endsWith('_TRANSITIVE');
  const backward = level.startsWith('BACKWARD') || level.startsWith('FULL');
  const forward = level.startsWith('FORWARD') || level.startsWith('FULL');
  const first = transitive ? 0 : previous.length - 1;
  for (let index = previous.length - 1; index >= first; index--) {
    const old = previous[index]!;
    // Backward: the new schema reads what the old one wrote. Forward: the old reads the new.
    const cannotReadOld = backward ? resolutionError(candidate, old) : null;
    if (cannotReadOld !== null) return { index, reason: `the new schema cannot read its data: ${cannotReadOld}` };
    const cannotReadNew = forward ? resolutionError(old, candidate) : null;
    if (cannotReadNew !== null) return { index, reason: `it cannot read the new schema's data: ${cannotReadNew}` };
  }
  return null;
}

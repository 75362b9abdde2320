/**
 * Stratified train/validation split: every (label, family) group gives the same share of its rows
 * to validation, so a rare bot family is judged, not just trained on. Seeded, so reproducible.
 */
import { shuffleInPlace, type Random } from './random.js';

export interface Split {
  train: number[];
  validation: number[];
}

export function stratifiedSplit(
  labels: readonly number[],
  families: readonly (string | null)[] | undefined,
  validationShare: number,
  random: Random,
): Split {
  const groups = new Map<string, number[]>();
  labels.forEach((label, i) => {
    const key = `${label}\u0000${families?.[i] ?? ''}`;
    const group = groups.get(key) ?? [];
    group.push(i);
    groups.set(key, group);
  });
  const train: number[] = [];
  const validation: number[] = [];
  // Sorted keys: the split must not depend on which group happened to appear first.
  for (const key of [...groups.keys()].sort()) {
    const group = shuffleInPlace(groups.get(key) ?? [], random);
    // A group of one stays in training: a model cannot learn from what only validation has seen.
    const take = group.length < 2 ? 0 : Math.min(group.length - 1, Math.round(group.length * validationShare));
    validation.push(...group.slice(0, take));
    train.push(...group.slice(take));
  }
  return { train: train.sort((a, b) => a - b), validation: validation.sort((a, b) => a - b) };
}

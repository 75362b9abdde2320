import { FEATURE_NAMES } from '@weir/features';
import type { ModelPipeline } from '@weir/model';
import { MODEL_INPUT_NAMES, modelRow } from './model-input.js';
import { labelOf, reasonOf, type Scorer, type ScoringItem, type SessionScore, type Thresholds } from './scorer.js';

const isRawFeature = new Set<string>(FEATURE_NAMES);

/**
 * Scores with a trained model pipeline. `pipeline` is asked for on every batch, so a hot-reloaded
 * model takes over at the next batch. Reasons are computed for sessions that are not labelled
 * human only: they are what people read. They come from the pipeline's single-pass attribution
 * (tree Shapley values or gradient × input), so they cost about one more pass over the flagged rows.
 */
export class ModelScorer implements Scorer {
  constructor(
    private readonly pipeline: () => ModelPipeline,
    private readonly reasonCount = 5,
  ) {}

  get version(): string {
    return this.pipeline().version;
  }

  scoreBatch(items: readonly ScoringItem[], thresholds: (customer: string) => Thresholds): SessionScore[] {
    const pipeline = this.pipeline();
    const rows = items.map(({ session, baseline }) => modelRow(session, baseline));
    const aligned = pipeline.align({ names: MODEL_INPUT_NAMES, rows: rows.map((r) => r.values) });
    const scores = pipeline.scoreBatch(aligned);
    const labels = items.map(({ session }, i) => labelOf(scores[i]!, thresholds(session.customer)));
    const flagged = labels.flatMap((label, i) => (label === 'human' ? [] : [i]));
    // x, z_x and rz_x are one feature to a reader: explained together, reported under x.
    const attributions = flagged.length === 0 ? [] : pipeline.reasonsBatch(
      flagged.map((i) => aligned[i]!),
      this.reasonCount,
      reasonFeatureOf,
    );
    const reasonsOf = new Map(flagged.map((row, j) => [row, attributions[j]!]));
    return items.map(({ session }, i) => {
      const score = scores[i]!;
      const label = labels[i]!;
      const pushes = reasonsOf.get(i);
      if (!pushes) return { score, label, reasons: [] };
      // Only the reasons' features: a flagged session's 60 deviation objects were a tenth of the stage's time.
      const relative = rows[i]!.relative;
      const reasons = pushes.map((a) => reasonOf(a.feature, session.features[a.feature] ?? 0, relative.deviationOf(a.feature), a.contribution));
      return { score, label, reasons };
    });
  }
}

/** `rz_request_count` explains itself as `request_count`: the feature a person can look up. */
export function reasonFeatureOf(column: string): string {
  if (isRawFeature.has(column)) return column;
  const raw = column.replace(/^[a-z]+_/, '');
  return isRawFeature.has(raw) ? raw : column;
}

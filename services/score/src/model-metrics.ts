/**
 * What the model slots are doing, for `/metrics` and the log: the version serving in each slot
 * (`weir_model_info{slot,version} 1`), hot reloads, and refused versions (a pipeline trained on
 * other feature code, or broken files), which leave the previous model serving.
 */
import type { ScoringOptions } from '@weir/pipeline';
import type { Logger } from '@weir/service';
import { Counter, Gauge, type Registry } from 'prom-client';

type ModelEvent = Parameters<NonNullable<ScoringOptions['onModelEvent']>>[0];
type Slot = ModelEvent['slot'];

export interface ModelMetrics {
  /** The handler for `loadScoring`'s model events. */
  onModelEvent(event: ModelEvent): void;
  /** Records the version serving in a slot (also for the baseline scorer, which has no events). */
  serving(slot: Slot, version: string): void;
}

export function modelMetrics(registry: Registry, logger: Logger): ModelMetrics {
  const info = new Gauge({ name: 'weir_model_info', help: 'The model version serving, by slot (value 1)', labelNames: ['slot', 'version'], registers: [registry] });
  const reloads = new Counter({ name: 'weir_model_reloads_total', help: 'New model versions swapped in while running, by slot', labelNames: ['slot'], registers: [registry] });
  const refusals = new Counter({
    name: 'weir_model_refusals_total',
    help: 'Model versions refused (feature fingerprint mismatch or unreadable files); the previous one keeps serving',
    labelNames: ['slot'],
    registers: [registry],
  });
  const versions = new Map<Slot, string>();
  const serving = (slot: Slot, version: string) => {
    const previous = versions.get(slot);
    if (previous !== undefined) info.remove({ slot, version: previous });
    versions.set(slot, version);
    info.set({ slot, version }, 1);
  };
  return {
    serving,
    onModelEvent(event) {
      if (event.kind === 'refused') {
        refusals.inc({ slot: event.slot });
        logger.error({ slot: event.slot, keptVersion: event.version, code: 'WEIR_MODEL_REFUSED' }, `model refused, ${event.version ?? 'nothing'} keeps serving: ${event.message}`);
        return;
      }
      if (versions.has(event.slot)) reloads.inc({ slot: event.slot });
      if (event.version !== null) serving(event.slot, event.version);
      logger.info({ slot: event.slot, version: event.version }, `model ${event.message}`);
    },
  };
}

/**
 * The score service's work: load the model (hot-reloaded), run the score stage and, with
 * ELASTICSEARCH_URL, the Elasticsearch copy beside it. If either fails, the other is stopped too,
 * so the process exits and is restarted instead of running half a service.
 */
import { loadScoring, ensurePipelineTopics } from '@weir/pipeline';
import type { StageRunContext } from '@weir/service';
import { promStageMetrics } from '@weir/stream';
import type { ScoreConfig } from './config.js';
import { runElasticsearchCopy } from './elasticsearch-stage.js';
import { modelMetrics } from './model-metrics.js';
import { runScoreStage } from './score-stage.js';

export async function runScoreService(config: ScoreConfig, context: StageRunContext): Promise<void> {
  const { bus, logger, registry } = context;
  await ensurePipelineTopics(bus, { namespace: config.namespace });
  const models = modelMetrics(registry, logger);
  const scoring = await loadScoring({
    modelDir: config.modelDir,
    shadowDir: config.shadowModelDir,
    thresholds: config.thresholds,
    customerThresholds: config.customerThresholds,
    pollMs: config.modelPollMs,
    backend: config.modelBackend,
    onModelEvent: (event) => models.onModelEvent(event),
  });
  models.serving('primary', scoring.scorer().version);
  const shadow = scoring.shadow();
  if (shadow) models.serving('shadow', shadow.version);
  logger.info({ shadow: shadow?.version ?? null }, `scoring with ${scoring.description}`);

  const stop = new AbortController();
  const onStop = () => stop.abort(context.signal.reason);
  context.signal.addEventListener('abort', onStop, { once: true });
  const inner: StageRunContext = { ...context, signal: stop.signal };
  const stopOnFailure = (run: Promise<void>) => run.catch((err: unknown) => (stop.abort(err), Promise.reject(err)));
  try {
    const runs = [stopOnFailure(runScoreStage(config, inner, scoring))];
    if (config.elasticsearch) {
      const metrics = promStageMetrics('score-elasticsearch', registry);
      runs.push(stopOnFailure(runElasticsearchCopy({ config, sink: config.elasticsearch, context: inner, metrics })));
    }
    const failed = (await Promise.allSettled(runs)).find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
  } finally {
    context.signal.removeEventListener('abort', onStop);
    scoring.close();
  }
}

/**
 * The score service's work: load the model (hot-reloaded), run the score stage through the shared
 * wiring (`runScore` of @weir/pipeline, which `weir start` and the parity tests run too) and, with
 * ELASTICSEARCH_URL, the Elasticsearch copy beside it. If either fails, the other is stopped too,
 * so the process exits and is restarted instead of running half a service.
 */
import { loadScoring, ensurePipelineTopics, runScore } from '@weir/pipeline';
import { runnerContext, type StageRunContext } from '@weir/service';
import { promStageMetrics } from '@weir/stream';
import { Counter } from 'prom-client';
import type { ScoreConfig } from './config.js';
import { runElasticsearchCopy } from './elasticsearch-stage.js';
import { modelMetrics } from './model-metrics.js';

export async function runScoreService(config: ScoreConfig, context: StageRunContext): Promise<void> {
  const { bus, logger, registry } = context;
  await ensurePipelineTopics(bus, { namespace: config.namespace });
  const models = modelMetrics(registry, logger);
  const evicted = new Counter({
    name: 'weir_score_windows_evicted_total',
    help: 'Window summaries dropped from the score stage\'s table: expired (older than WEIR_SCORE_WINDOW_RETENTION) or over-cap (beyond WEIR_SCORE_WINDOWS_MAX, early)',
    labelNames: ['reason'],
    registers: [registry],
  });
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
  // Loading the model takes a while: the process may have been told to stop already.
  const inner: StageRunContext = { ...context, signal: AbortSignal.any([context.signal, stop.signal]) };
  const stopOnFailure = (run: Promise<void>) => run.catch((err: unknown) => (stop.abort(err), Promise.reject(err)));
  try {
    const score = runScore({
      ...runnerContext(inner),
      groupId: config.groupId,
      delivery: config.delivery,
      namespace: config.namespace,
      stage: { scorer: scoring.scorer, shadow: scoring.shadow, thresholds: scoring.thresholds, maxWaitMs: config.maxWaitMs },
      windows: {
        retainMs: config.windowRetentionMs,
        maxWindowsPerCustomer: config.maxWindowsPerCustomer,
        onEvict: (reason, count) => evicted.inc({ reason }, count),
      },
    });
    const runs = [stopOnFailure(score)];
    if (config.elasticsearch) {
      const metrics = promStageMetrics('score-elasticsearch', registry);
      runs.push(stopOnFailure(runElasticsearchCopy({ config, sink: config.elasticsearch, context: inner, metrics })));
    }
    const failed = (await Promise.allSettled(runs)).find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
  } finally {
    scoring.close();
  }
}

/**
 * The score service: `weir.sessions` joined with each customer's window baseline, scored by the
 * current model (hot-reloaded), published to `weir.scores`; and, when ELASTICSEARCH_URL is set,
 * `weir.scores` copied into Elasticsearch.
 */
import { Gauge } from 'prom-client';
import { loadScoring, runScore } from '@weir/pipeline';
import { runStageService } from '@weir/service';
import { promStageMetrics } from '@weir/stream';
import { loadScoreConfig } from './config.js';
import { runElasticsearchWriter } from './elasticsearch-stage.js';

await runStageService({
  name: 'score',
  loadConfig: () => loadScoreConfig(),
  port: (config) => config.port,
  async run(config, { bus, signal, logger, metrics, registry }) {
    const modelInfo = new Gauge({ name: 'weir_model_info', help: 'The model version serving, by slot', labelNames: ['slot', 'version'], registers: [registry] });
    const scoring = await loadScoring({
      modelDir: config.modelDir,
      shadowDir: config.shadowModelDir,
      thresholds: config.thresholds,
      customerThresholds: config.customerThresholds,
      pollMs: config.modelPollMs,
      onModelEvent: (event) => {
        if (event.kind === 'refused') logger.error({ slot: event.slot, kept: event.version }, `model refused: ${event.message}`);
        else {
          logger.info({ slot: event.slot, version: event.version }, event.message);
          modelInfo.reset();
          modelInfo.set({ slot: event.slot, version: event.version ?? 'none' }, 1);
        }
      },
    });
    logger.info(`scoring with ${scoring.description}`);
    try {
      await Promise.all([
        runScore({
          bus,
          signal,
          logger,
          metrics,
          groupId: config.groupId,
          delivery: config.delivery,
          handleSignals: false,
          stage: { scorer: scoring.scorer, shadow: scoring.shadow, thresholds: scoring.thresholds, maxWaitMs: config.maxWaitMs },
        }),
        config.elasticsearch
          ? runElasticsearchWriter({ bus, signal, logger, metrics: promStageMetrics('score-elasticsearch', registry), groupId: config.groupId })
          : Promise.resolve(),
      ]);
    } finally {
      scoring.close();
    }
  },
});

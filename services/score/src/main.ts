/**
 * The score service: each session record joined with its customer's latest window summary,
 * scored by the current model (hot-reloaded from WEIR_MODEL_DIR), published to `weir.scores`
 * with its label and top reasons; with ELASTICSEARCH_URL, the scores also indexed in Elasticsearch.
 * Configuration: `--help`, or config.ts.
 */
import { runStageService, printServiceHelp } from '@weir/service';
import { loadScoreConfig, scoreEnv } from './config.js';
import { esEnv } from './elasticsearch/index.js';
import { runScoreService } from './run.js';

if (process.argv.includes('--help')) printServiceHelp('score', 'weir.sessions ⋈ weir.windows → model → weir.scores (and Elasticsearch)', { ...scoreEnv, ...esEnv });
else {
  await runStageService({
    name: 'score',
    loadConfig: () => loadScoreConfig(),
    port: (config) => config.port,
    shutdownTimeoutMs: (config) => config.shutdownTimeoutMs,
    run: runScoreService,
  });
}

/**
 * The sessionize service: groups each customer's requests into sessions (event time, the shared
 * feature code) and publishes session feature records on update and on close.
 * Configuration: `--help`, or config.ts.
 */
import { runStageService, printServiceHelp } from '@weir/service';
import { loadSessionizeConfig, sessionizeEnv } from './config.js';
import { runSessionizeService } from './run.js';

if (process.argv.includes('--help')) printServiceHelp('sessionize', 'weir.logs.* → sessions → weir.sessions', sessionizeEnv);
else {
  await runStageService({
    name: 'sessionize',
    loadConfig: () => loadSessionizeConfig(),
    port: (config) => config.port,
    shutdownTimeoutMs: (config) => config.shutdownTimeoutMs,
    run: runSessionizeService,
  });
}

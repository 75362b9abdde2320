/**
 * The window service: each customer's baseline (feature distributions over its sessions) per
 * time window, published on every window update and close.
 * Configuration: `--help`, or config.ts.
 */
import { runStageService, printServiceHelp } from '@weir/service';
import { loadWindowConfig, windowEnv } from './config.js';
import { runWindowService } from './run.js';

if (process.argv.includes('--help')) printServiceHelp('window', 'weir.sessions → per-customer window baselines → weir.windows', windowEnv);
else {
  await runStageService({
    name: 'window',
    loadConfig: () => loadWindowConfig(),
    port: (config) => config.port,
    shutdownTimeoutMs: (config) => config.shutdownTimeoutMs,
    run: runWindowService,
  });
}

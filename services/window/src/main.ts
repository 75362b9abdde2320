/** The window service: `weir.sessions` → each customer's baseline per time window → `weir.windows`. */
import { runWindow } from '@weir/pipeline';
import { runStageService } from '@weir/service';
import { loadWindowConfig } from './config.js';

await runStageService({
  name: 'window',
  loadConfig: () => loadWindowConfig(),
  port: (config) => config.port,
  run: (config, { bus, signal, logger, metrics }) =>
    runWindow({
      bus,
      signal,
      logger,
      metrics,
      groupId: config.groupId,
      delivery: config.delivery,
      handleSignals: false,
      stage: {
        window: config.window,
        closeIdleAfterMs: config.closeIdleAfterMs,
        onLate: (late, at) => logger.info({ ...at, count: late.length, kinds: late.map((l) => l.kind) }, 'session records after their window closed'),
      },
    }),
});

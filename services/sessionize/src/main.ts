/** The sessionize service: `weir.logs.*` → sessions by event time → `weir.sessions`. */
import { runSessionize } from '@weir/pipeline';
import { runStageService } from '@weir/service';
import { loadSessionizeConfig } from './config.js';

await runStageService({
  name: 'sessionize',
  loadConfig: () => loadSessionizeConfig(),
  port: (config) => config.port,
  run: (config, { bus, signal, logger, metrics }) =>
    runSessionize({
      bus,
      signal,
      logger,
      metrics,
      groupId: config.groupId,
      delivery: config.delivery,
      handleSignals: false,
      stage: {
        sessionizer: config.sessionizer,
        closeIdleAfterMs: config.closeIdleAfterMs,
        onLate: (late, at) => logger.warn({ ...at, count: late.length, lateByMs: late.map((l) => l.lateByMs) }, 'events too late to place'),
      },
    }),
});

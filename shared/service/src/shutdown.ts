/**
 * Graceful shutdown on SIGTERM (Kubernetes, docker stop) and SIGINT (Ctrl-C): run the service's
 * steps in order — typically drain readiness, stop accepting requests and finish those in
 * progress, flush producers, close clients — then exit. Each step is logged; a failing step does
 * not stop the ones after it (a broken producer must not keep the HTTP server open). The whole
 * sequence is bounded: past `timeoutMs` the process exits anyway, with code 1, before the
 * orchestrator's own kill arrives. A second signal exits at once.
 */
import type { Logger } from 'pino';

export interface ShutdownStep {
  name: string;
  run: () => Promise<unknown> | unknown;
}

/** What the helper needs of `process`: signal listeners and exit. Tests pass a stand-in. */
export interface ShutdownHost {
  on(signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
  removeListener(signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
  exit(code: number): void;
}

export interface ShutdownOptions {
  logger: Logger;
  /** Bound on the whole sequence. Default 25 s: below Kubernetes' 30 s grace period. */
  timeoutMs?: number;
  signals?: NodeJS.Signals[];
  host?: ShutdownHost;
}

export interface GracefulShutdown {
  /** Runs the steps (once, however often called) and exits; resolves to the exit code. */
  shutdown(reason: string): Promise<number>;
  /** Removes the signal listeners (tests, or a caller that takes over). */
  dispose(): void;
}

/** A step that only waits: lets load balancers notice a failing /readyz before the port closes. */
export function pause(ms: number): ShutdownStep {
  return { name: `wait ${ms} ms for load balancers`, run: () => new Promise((resolve) => setTimeout(resolve, ms)) };
}

export function gracefulShutdown(steps: ShutdownStep[], options: ShutdownOptions): GracefulShutdown {
  const { logger } = options;
  const host: ShutdownHost = options.host ?? process;
  const signals = options.signals ?? ['SIGTERM', 'SIGINT'];
  const timeoutMs = options.timeoutMs ?? 25_000;
  let running: Promise<number> | undefined;

  const runSteps = async (): Promise<number> => {
    let code = 0;
    for (const step of steps) {
      const started = performance.now();
      try {
        await step.run();
        logger.info({ step: step.name, ms: Math.round(performance.now() - started) }, 'shutdown step done');
      } catch (err) {
        code = 1;
        logger.error({ step: step.name, err }, 'shutdown step failed');
      }
    }
    return code;
  };

  const shutdown = (reason: string): Promise<number> => {
    running ??= (async () => {
      logger.info({ reason, timeoutMs }, 'shutting down');
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<number>((resolve) => {
        timer = setTimeout(() => {
          logger.error({ timeoutMs }, 'shutdown took too long: exiting anyway');
          resolve(1);
        }, timeoutMs);
      });
      const code = await Promise.race([runSteps(), deadline]);
      clearTimeout(timer);
      logger.info({ code }, 'shut down');
      dispose();
      // pino flushes what it still holds for stdout on exit, so the lines above are not lost.
      host.exit(code);
      return code;
    })();
    return running;
  };

  const onSignal = (signal: NodeJS.Signals): void => {
    if (running) {
      logger.warn({ signal }, 'second signal during shutdown: exiting now');
      host.exit(1);
      return;
    }
    void shutdown(signal);
  };

  const dispose = (): void => {
    for (const signal of signals) host.removeListener(signal, onSignal);
  };

  for (const signal of signals) host.on(signal, onSignal);
  return { shutdown, dispose };
}

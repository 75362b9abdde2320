/** SIGTERM and SIGINT (and any caller's AbortSignal) become one AbortSignal for a run. */
export function shutdownSignal(opts: { signal?: AbortSignal | undefined; handleSignals: boolean }): {
  signal: AbortSignal;
  stop: (reason?: unknown) => void;
  dispose: () => void;
} {
  const controller = new AbortController();
  const stop = (reason?: unknown) => {
    if (!controller.signal.aborted) controller.abort(reason);
  };
  const onCallerAbort = () => stop(opts.signal?.reason);
  const onSignal = (name: NodeJS.Signals) => stop(new Error(`received ${name}`));
  if (opts.signal?.aborted) stop(opts.signal.reason);
  opts.signal?.addEventListener('abort', onCallerAbort, { once: true });
  if (opts.handleSignals) {
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  }
  return {
    signal: controller.signal,
    stop,
    dispose: () => {
      opts.signal?.removeEventListener('abort', onCallerAbort);
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
    },
  };
}

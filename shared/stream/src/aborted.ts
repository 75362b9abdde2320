/**
 * Resolves once `signal` aborts, at once when it has already: an 'abort' listener added after
 * the fact never fires, and whoever waited on it would wait for ever.
 */
export function whenAborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}

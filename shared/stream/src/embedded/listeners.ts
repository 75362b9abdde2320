/**
 * One-shot wake-ups. A waiter registers on several sources (a log that grows, a cursor that is
 * sought) and unregisters from all of them when the first fires, so idle waiting leaks nothing.
 */
export class Listeners {
  private readonly waiting = new Set<() => void>();

  /** Wakes every current waiter. */
  notify(): void {
    const woken = [...this.waiting];
    this.waiting.clear();
    for (const wake of woken) wake();
  }

  add(wake: () => void): () => void {
    this.waiting.add(wake);
    return () => this.waiting.delete(wake);
  }
}

/** Resolves when any source notifies, or after `timeoutMs`. */
export function waitForAny(sources: Listeners[], timeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    const removers: Array<() => void> = [];
    const done = () => {
      clearTimeout(timer);
      for (const remove of removers) remove();
      resolve();
    };
    const timer = setTimeout(done, timeoutMs);
    for (const source of sources) removers.push(source.add(done));
  });
}

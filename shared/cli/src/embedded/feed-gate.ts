/**
 * When `weir start`'s feeder may send its next tick: on a fixed interval, the feeder sent a tick
 * (up to its line limit) and then, at full speed, the stages drained it and the process sat idle
 * until the interval came round again (10 % of a `weir start --speed 1000000` run here, in
 * stretches of 100 ms). A feeder that is behind schedule goes again as soon as sessionize has taken
 * in all but `ahead` of the lines sent, so the stages are never starved and never flooded (the
 * embedded bus holds whatever is sent); at most `intervalMs` later in any case, so a count that
 * never arrives only brings the old interval back.
 */
export class FeedGate {
  private taken = 0;
  private target = Number.POSITIVE_INFINITY;
  private open: (() => void) | null = null;

  constructor(private readonly options: { ahead: number; intervalMs: number }) {}

  /** Records sessionize took in (its stage metrics' `recordsIn`). */
  took(count: number): void {
    this.taken += count;
    if (this.open !== null && this.taken >= this.target) this.open();
  }

  /** Resolves once sessionize has taken in `sent − ahead` records, or after the interval. */
  wait(sent: number): Promise<void> {
    const target = sent - this.options.ahead;
    if (this.taken >= target) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.open?.(), this.options.intervalMs);
      this.target = target;
      this.open = () => {
        clearTimeout(timer);
        this.open = null;
        this.target = Number.POSITIVE_INFINITY;
        resolve();
      };
    });
  }

  /** The interval alone: for a feeder that has sent everything due. */
  pause(): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, this.options.intervalMs));
  }
}

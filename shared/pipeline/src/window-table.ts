import type { WindowSummary } from '@weir/contracts';

export interface WindowTableOptions {
  /**
   * Windows kept per customer. A closed session is scored against the window of its last event,
   * which is a whole inactivity gap (30 min by default) old by then: keep more than gap / window size.
   */
  windowsPerCustomer?: number;
}

/**
 * The table side of the score stage's stream–table join: each customer's most recent window
 * summaries. A session is compared with the window holding its event time or, when that one has
 * not been seen (yet), the newest before it, so a session is never scored against the future.
 */
export class WindowTable {
  private readonly byCustomer = new Map<string, WindowSummary[]>();
  private readonly limit: number;

  constructor(options: WindowTableOptions = {}) {
    this.limit = options.windowsPerCustomer ?? 120;
  }

  /** Keeps the newest summary of each window; an older update of a window never replaces a newer one. */
  upsert(summary: WindowSummary): void {
    let windows = this.byCustomer.get(summary.customer);
    if (!windows) this.byCustomer.set(summary.customer, (windows = []));
    const at = windows.findIndex((w) => w.windowStart === summary.windowStart);
    if (at >= 0) {
      const current = windows[at]!;
      if (current.closed && !summary.closed) return;
      if (!summary.closed && summary.sessionCount < current.sessionCount) return;
      windows[at] = summary;
      return;
    }
    windows.push(summary);
    windows.sort((a, b) => a.windowStart - b.windowStart);
    if (windows.length > this.limit) windows.splice(0, windows.length - this.limit);
  }

  /** The baseline for a session of `customer` at `time`: its window, or the newest before it. */
  lookup(customer: string, time: number): WindowSummary | null {
    const windows = this.byCustomer.get(customer);
    if (!windows) return null;
    for (let i = windows.length - 1; i >= 0; i--) {
      const window = windows[i]!;
      if (window.windowStart <= time) return window;
    }
    return null;
  }

  /** The final summary of the window holding `time`, once that window has closed. */
  closedAt(customer: string, time: number): WindowSummary | null {
    const windows = this.byCustomer.get(customer);
    if (!windows) return null;
    for (let i = windows.length - 1; i >= 0; i--) {
      const window = windows[i]!;
      if (window.windowStart <= time && time < window.windowEnd) return window.closed ? window : null;
    }
    return null;
  }

  customers(): string[] {
    return [...this.byCustomer.keys()];
  }

  /** Everything held, for a state checkpoint. */
  entries(): WindowSummary[] {
    return [...this.byCustomer.values()].flat();
  }
}

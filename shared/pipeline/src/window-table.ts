import type { WindowSummary } from '@weir/contracts';

/**
 * Default retention, in event time after a window's end: a session can close into a window up to
 * its maximum duration, its inactivity gap and the allowed lateness after the window's events
 * (the sessionizer's defaults: 4 h, 30 min, 60 s).
 */
export const DEFAULT_WINDOW_RETENTION_MS = 4 * 3_600_000 + 30 * 60_000 + 60_000;
/** Default bound on the windows held per customer, whatever the retention: memory stays bounded. */
export const DEFAULT_MAX_WINDOWS_PER_CUSTOMER = 20_000;

export type WindowEviction = 'expired' | 'over-cap';

export interface WindowTableOptions {
  /**
   * How long (event time) a window is kept after its end, measured against the newest window end
   * seen for its customer. A closed session is scored against the window of its last event,
   * whose close arrives up to a session's gap (or maximum duration) plus the lateness later:
   * keep at least that. Default DEFAULT_WINDOW_RETENTION_MS.
   */
  retainMs?: number;
  /** Most windows held per customer; beyond it the oldest go early, counted as `over-cap`. */
  maxWindowsPerCustomer?: number;
  /** Told of every eviction, for a metric: an `over-cap` one may leave a late session without its window. */
  onEvict?: (reason: WindowEviction, count: number) => void;
}

/**
 * The table side of the score stage's stream–table join: each customer's recent window
 * summaries, kept by event time. A session is compared with the window holding its event time
 * or, when that one has not been seen (yet), the newest before it, so a session is never scored
 * against the future.
 */
export class WindowTable {
  /** Per customer, sorted by window start. */
  private readonly byCustomer = new Map<string, WindowSummary[]>();
  private readonly retainMs: number;
  private readonly cap: number;

  constructor(private readonly options: WindowTableOptions = {}) {
    this.retainMs = options.retainMs ?? DEFAULT_WINDOW_RETENTION_MS;
    this.cap = options.maxWindowsPerCustomer ?? DEFAULT_MAX_WINDOWS_PER_CUSTOMER;
  }

  /** Keeps the newest summary of each window; an older update of a window never replaces a newer one. */
  upsert(summary: WindowSummary): void {
    let windows = this.byCustomer.get(summary.customer);
    if (!windows) this.byCustomer.set(summary.customer, (windows = []));
    const at = firstStartingAtOrAfter(windows, summary.windowStart);
    const current = windows[at];
    if (current?.windowStart === summary.windowStart) {
      if (current.closed && !summary.closed) return;
      if (!summary.closed && summary.sessionCount < current.sessionCount) return;
      windows[at] = summary;
      return;
    }
    windows.splice(at, 0, summary);
    this.evict(windows);
  }

  private evict(windows: WindowSummary[]): void {
    let newestEnd = -Infinity;
    for (const w of windows) newestEnd = Math.max(newestEnd, w.windowEnd);
    let expired = 0;
    while (expired < windows.length && windows[expired]!.windowEnd + this.retainMs < newestEnd) expired++;
    const overCap = Math.max(0, windows.length - expired - this.cap);
    if (expired + overCap === 0) return;
    windows.splice(0, expired + overCap);
    if (expired > 0) this.options.onEvict?.('expired', expired);
    if (overCap > 0) this.options.onEvict?.('over-cap', overCap);
  }

  /** The baseline for a session of `customer` at `time`: its window, or the newest before it. */
  lookup(customer: string, time: number): WindowSummary | null {
    const windows = this.byCustomer.get(customer);
    if (!windows) return null;
    const after = firstStartingAtOrAfter(windows, time + 1);
    return windows[after - 1] ?? null;
  }

  /** The final summary of the window holding `time`, once that window has closed. */
  closedAt(customer: string, time: number): WindowSummary | null {
    const windows = this.byCustomer.get(customer);
    if (!windows) return null;
    for (let i = firstStartingAtOrAfter(windows, time + 1) - 1; i >= 0; i--) {
      const window = windows[i]!;
      if (time < window.windowEnd) return window.closed ? window : null;
    }
    return null;
  }

  /**
   * True once the window holding `time` can never be held again: the customer's newest window
   * ends more than the retention after any window holding `time` ends, so that window is evicted
   * (or would be, on arrival). A closed session there will never meet its final summary.
   */
  beyondRetention(customer: string, time: number): boolean {
    const windows = this.byCustomer.get(customer);
    if (!windows || windows.length === 0) return false;
    const size = windows[0]!.windowEnd - windows[0]!.windowStart;
    let newestEnd = -Infinity;
    for (const w of windows) newestEnd = Math.max(newestEnd, w.windowEnd);
    return time + size + this.retainMs < newestEnd;
  }

  customers(): string[] {
    return [...this.byCustomer.keys()];
  }

  /** Everything held, for a state checkpoint. */
  entries(): WindowSummary[] {
    return [...this.byCustomer.values()].flat();
  }
}

/** Index of the first window starting at or after `start` (windows.length when none does). */
function firstStartingAtOrAfter(windows: readonly WindowSummary[], start: number): number {
  let low = 0;
  let high = windows.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (windows[mid]!.windowStart < start) low = mid + 1;
    else high = mid;
  }
  return low;
}

/**
 * The window baseline: per customer, the distribution of every session feature over the sessions
 * seen in each time window, keyed by the session record's `lastTime` (event time).
 *
 * Counting each session once per window. A session sends several records (updates, then its
 * close); a window counts a session once, with the values of its latest record in that window.
 * Until a session's contribution to a window is final it is held as *pending* (its latest values,
 * replaced by each newer record); it is folded into the window's aggregates — Welford moments,
 * min/max and a DDSketch per feature — as soon as it is final: when the session's next record
 * falls in a later window (a session's `lastTime` never goes back), when the session closes, or
 * when the window closes. Pending memory is therefore one feature vector per session whose latest
 * record is in a still-open window, and everything folded is bounded by the sketches' size.
 *
 * Closing. A customer's watermark is its newest `lastTime` minus the allowed lateness — or, once
 * its input sources report their progress (advanceSource: the window stage's log partitions), the
 * minimum over them minus the allowed lateness; a window closes (final summary, `closed: true`)
 * once the watermark reaches its end. A record all of whose
 * windows have closed is returned in `late` and counted. Session close records usually land
 * there — a session closes a whole inactivity gap after its last event — but their values have
 * already been counted through the update the sessionizer emits `updateAfterMs` after the last
 * event, as long as this stage's allowed lateness is at least that (the defaults are 60 s vs 30 s);
 * they are reported with kind `closed_session` so they can be told from truly late updates.
 *
 * Updates: a window's summary so far (folded + pending) is emitted after every
 * `updateEveryRecords` records that touched it, and the final one when it closes.
 */
import type { SessionFeatures, WindowSummary } from '@weir/contracts';
import { FeatureError } from './errors.js';
import { DEFAULT_QUANTILES, DEFAULT_RELATIVE_ACCURACY, FeatureAggregate } from './feature-aggregate.js';
import { FEATURE_NAMES, featureSetFingerprint } from './registry.js';
import { aggregateRecord, summaryFromAggregates, type WindowPiece } from './window-partial.js';
import { checkWindowSnapshot, WINDOW_SNAPSHOT_VERSION, type SourceGroupSnapshot, type WindowBaselineSnapshot, type WindowSnapshot } from './window-state.js';
import { lastWindowEndFor, windowSpec, windowStartsFor, type WindowSpec } from './windowing.js';

export interface WindowBaselineConfig {
  /** Window length, default 60 s. */
  sizeMs?: number;
  /** Distance between window starts; default = size (tumbling). */
  hopMs?: number;
  /** Shift of window boundaries from the epoch, default 0. */
  offsetMs?: number;
  /** How far behind a customer's newest lastTime a record may be and still count. Default 60 s. */
  allowedLatenessMs?: number;
  /** Emit a window's running summary after this many records touched it (0: only on close). Default 100. */
  updateEveryRecords?: number;
  /** DDSketch relative accuracy, default 0.01. */
  relativeAccuracy?: number;
  /** Quantiles reported in every FeatureStats, default 0.01 0.05 0.25 0.5 0.75 0.95 0.99. */
  quantiles?: number[];
  /**
   * Hand out partial windows (`WindowOutput.partials`: mergeable aggregates) instead of summaries:
   * one when a window opens, its running state every `updateEveryRecords`, and the final one on
   * close. The window stage's first phase, whose pieces of every partition are merged later.
   */
  partials?: boolean;
}

export type LateSessionKind =
  /** A session's close record whose window had closed: its values were normally counted already. */
  | 'closed_session'
  /** An update whose every window had closed. */
  | 'late'
  /**
   * A replay, ignored: a record older than one already counted for the same session, or any
   * record of a session already closed while its windows are open (an at-least-once upstream
   * re-sends its uncommitted records after a crash, closes included).
   */
  | 'stale';

export interface LateSessionRecord {
  record: SessionFeatures;
  kind: LateSessionKind;
  /** The customer's watermark when it arrived. */
  watermark: number;
}

export interface WindowOutput {
  readonly summaries: readonly WindowSummary[];
  /** Partial mode only (see WindowBaselineConfig.partials). */
  readonly partials: readonly WindowPiece[];
  readonly late: readonly LateSessionRecord[];
}

export interface WindowStats {
  records: number;
  late: number;
  closedSessionsAfterWindow: number;
  stale: number;
  windowsClosed: number;
  openWindows: number;
  pendingSessions: number;
}

const EMPTY: WindowOutput = Object.freeze({ summaries: Object.freeze([]), partials: Object.freeze([]), late: Object.freeze([]) });

/** Stamps of window changes, unique across windows: an incremental checkpoint rewrites a window whose stamp moved. */
let changeStamp = 0;

class OpenWindow {
  /** One aggregate per registry feature, in registry order. */
  readonly folded: FeatureAggregate[];
  foldedSessions = 0;
  /** Session id → latest feature vector (registry order), insertion-ordered for deterministic folding. */
  readonly pending = new Map<string, Float64Array>();
  sinceEmit = 0;
  /** Moves on every change of the window (folded, pending, sinceEmit). */
  stamp = ++changeStamp;

  constructor(
    readonly start: number,
    readonly end: number,
    relativeAccuracy: number,
    folded?: FeatureAggregate[],
  ) {
    this.folded = folded ?? FEATURE_NAMES.map(() => new FeatureAggregate(relativeAccuracy));
  }

  touch(): void {
    this.stamp = ++changeStamp;
  }

  fold(values: Float64Array): void {
    this.touch();
    for (let i = 0; i < this.folded.length; i++) (this.folded[i] as FeatureAggregate).add(values[i] as number);
    this.foldedSessions++;
  }

  foldPending(sessionId: string): void {
    const values = this.pending.get(sessionId);
    if (values === undefined) return;
    this.pending.delete(sessionId);
    this.fold(values);
  }

  /** The window's checkpoint without its pending sessions. */
  snapshotFolded(): Omit<WindowSnapshot, 'pending'> {
    return { start: this.start, foldedSessions: this.foldedSessions, sinceEmit: this.sinceEmit, folded: this.folded.map((aggregate) => aggregate.state()) };
  }
}

/** An open window as an incremental checkpoint reads it (window-checkpoint.ts): never changed through it. */
export interface WindowCheckpointView {
  readonly start: number;
  /** Changes whenever anything of the window does; unique across windows. */
  readonly stamp: number;
  /** Session id → latest feature vector; a new vector (another object) whenever the session's values change. */
  readonly pending: ReadonlyMap<string, Float64Array>;
  snapshotFolded(): Omit<WindowSnapshot, 'pending'>;
}

/** A customer's live state as an incremental checkpoint reads it. */
export interface CustomerCheckpointView {
  readonly customer: string;
  readonly maxTime: number | null;
  readonly groups: readonly string[] | undefined;
  readonly windows: Iterable<WindowCheckpointView>;
  readonly lastSeen: ReadonlyMap<string, number>;
  readonly closed: ReadonlyMap<string, number>;
}

/** Per input source (a log partition): its watermark so far and whether it is quiet. */
interface SourceProgress {
  watermark: number | null;
  idle: boolean;
}

/** A group of sources (a log topic): `count` of them, how far each has read, and the customers read from it. */
interface SourceGroup {
  count: number;
  by: Map<string, SourceProgress>;
  customers: Set<string>;
}

class CustomerWindows {
  maxTime = Number.NEGATIVE_INFINITY;
  /**
   * Null until a source reports the customer's progress (advanceSource): the event time is then
   * the newest record's. Once one has, it is the minimum over the sources of the customer's
   * groups (log topics), and records no longer move it: a source far behind the others still
   * finds its windows open.
   */
  groups: Set<string> | null = null;
  readonly windows = new Map<number, OpenWindow>();
  /** Session id → lastTime of its pending record: tells which windows hold it. */
  readonly lastSeen = new Map<string, number>();
  /** Session id → lastTime of its close, while a window it was folded into is open: replays of it are ignored. */
  readonly closed = new Map<string, number>();
}

/** The event time a group's sources have all read through, or null while one is unheard of or has read nothing. */
function groupTime(sources: SourceGroup): number | null {
  if (sources.by.size < sources.count) return null;
  let slowest = Number.POSITIVE_INFINITY;
  let newestQuiet: number | null = null;
  for (const { watermark, idle } of sources.by.values()) {
    if (idle) {
      if (watermark !== null && (newestQuiet === null || watermark > newestQuiet)) newestQuiet = watermark;
    } else if (watermark === null) {
      return null;
    } else if (watermark < slowest) {
      slowest = watermark;
    }
  }
  return slowest === Number.POSITIVE_INFINITY ? newestQuiet : slowest;
}

function vectorOf(record: SessionFeatures): Float64Array {
  const values = new Float64Array(FEATURE_NAMES.length);
  for (let i = 0; i < FEATURE_NAMES.length; i++) {
    const value = record.features[FEATURE_NAMES[i] as string];
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new FeatureError(
        'WEIR_FEATURES_INVALID_INPUT',
        `session ${record.sessionId}: feature ${FEATURE_NAMES[i]} is ${String(value)}, expected a finite number`,
        { reason: 'bad_feature_value' },
      );
    }
    values[i] = value;
  }
  return values;
}

export class WindowBaseline {
  private readonly spec: WindowSpec;
  private readonly lateness: number;
  private readonly updateEvery: number;
  private readonly accuracy: number;
  private readonly quantiles: readonly number[];
  private readonly customers = new Map<string, CustomerWindows>();
  /** The input sources' progress by group (advanceSource). */
  private readonly sourceGroups = new Map<string, SourceGroup>();
  private readonly counters = { records: 0, late: 0, closedSessionsAfterWindow: 0, stale: 0, windowsClosed: 0 };
  private readonly partialMode: boolean;
  private summaries: WindowSummary[] = [];
  private partials: WindowPiece[] = [];
  private late: LateSessionRecord[] = [];

  constructor(config: WindowBaselineConfig = {}) {
    this.spec = windowSpec(config.sizeMs, config.hopMs, config.offsetMs);
    this.lateness = config.allowedLatenessMs ?? 60_000;
    this.updateEvery = config.updateEveryRecords ?? 100;
    this.accuracy = config.relativeAccuracy ?? DEFAULT_RELATIVE_ACCURACY;
    this.quantiles = config.quantiles ?? DEFAULT_QUANTILES;
    this.partialMode = config.partials ?? false;
    if (!Number.isFinite(this.lateness) || this.lateness < 0) {
      throw new FeatureError('WEIR_FEATURES_CONFIG', `allowedLatenessMs ${this.lateness} must be >= 0`);
    }
    if (!Number.isInteger(this.updateEvery) || this.updateEvery < 0) {
      throw new FeatureError('WEIR_FEATURES_CONFIG', `updateEveryRecords ${this.updateEvery} must be an integer >= 0`);
    }
    if (!(this.accuracy > 0 && this.accuracy < 1)) {
      throw new FeatureError('WEIR_FEATURES_CONFIG', `relativeAccuracy ${this.accuracy} must be in (0, 1)`);
    }
    if (!this.quantiles.every((q) => q >= 0 && q <= 1)) throw new FeatureError('WEIR_FEATURES_CONFIG', 'quantiles must be in [0, 1]');
  }

  /** The customer's watermark: newest lastTime seen minus the allowed lateness (-Infinity before any). */
  watermark(customer: string): number {
    return (this.customers.get(customer)?.maxTime ?? Number.NEGATIVE_INFINITY) - this.lateness;
  }

  stats(): WindowStats {
    let openWindows = 0;
    let pendingSessions = 0;
    for (const state of this.customers.values()) {
      openWindows += state.windows.size;
      for (const window of state.windows.values()) pendingSessions += window.pending.size;
    }
    return { ...this.counters, openWindows, pendingSessions };
  }

  push(record: SessionFeatures): WindowOutput {
    if (record.featureSet !== featureSetFingerprint) {
      throw new FeatureError(
        'WEIR_FEATURES_FINGERPRINT_MISMATCH',
        `session ${record.sessionId} was computed by feature set ${record.featureSet}, this baseline aggregates ${featureSetFingerprint}`,
        { reason: 'feature_set_mismatch' },
      );
    }
    const values = vectorOf(record);
    this.counters.records++;
    let state = this.customers.get(record.customer);
    if (state === undefined) {
      state = new CustomerWindows();
      this.customers.set(record.customer, state);
    }
    const time = record.lastTime;
    const watermark = state.maxTime - this.lateness;
    const previous = state.lastSeen.get(record.sessionId);
    if ((previous !== undefined && time < previous) || state.closed.has(record.sessionId)) {
      this.counters.stale++;
      this.late.push({ record, kind: 'stale', watermark });
      return this.output();
    }
    const starts = windowStartsFor(time, this.spec).filter((start) => start + this.spec.sizeMs > watermark);
    if (starts.length === 0) {
      if (record.closed) this.counters.closedSessionsAfterWindow++;
      else this.counters.late++;
      this.late.push({ record, kind: record.closed ? 'closed_session' : 'late', watermark });
      return this.output();
    }

    // The session's pending values in windows this record is past are final now.
    if (previous !== undefined) {
      for (const start of windowStartsFor(previous, this.spec)) {
        if (!starts.includes(start)) state.windows.get(start)?.foldPending(record.sessionId);
      }
    }
    const opened: OpenWindow[] = [];
    for (const start of starts) {
      let window = state.windows.get(start);
      if (window === undefined) {
        window = new OpenWindow(start, start + this.spec.sizeMs, this.accuracy);
        state.windows.set(start, window);
        opened.push(window);
      }
      if (record.closed) {
        window.pending.delete(record.sessionId);
        window.fold(values);
      } else {
        window.pending.set(record.sessionId, values);
      }
      window.sinceEmit++;
      window.touch();
    }
    if (record.closed) {
      state.lastSeen.delete(record.sessionId);
      state.closed.set(record.sessionId, time);
    } else {
      state.lastSeen.set(record.sessionId, time);
    }

    if (state.groups === null && time > state.maxTime) state.maxTime = time;
    const closing = this.windowsToClose(state, state.maxTime - this.lateness);
    for (const start of starts) {
      const window = state.windows.get(start) as OpenWindow;
      if (closing.includes(window)) continue;
      // A partial window is announced as it opens: whoever merges the partitions' pieces then
      // knows to wait for this partition's final one.
      const announce = this.partialMode && opened.includes(window);
      if (announce || (this.updateEvery > 0 && window.sinceEmit >= this.updateEvery)) {
        window.sinceEmit = 0;
        window.touch();
        this.emit(record.customer, state, window, false);
      }
    }
    for (const window of closing) this.close(record.customer, state, window);
    return this.output();
  }

  /** Move a customer's event time to `time` without a record (idle source), closing what is due. */
  advanceTo(customer: string, time: number): WindowOutput {
    const state = this.customers.get(customer);
    if (state !== undefined && time > state.maxTime) {
      state.maxTime = time;
      for (const window of this.windowsToClose(state, time - this.lateness)) this.close(customer, state, window);
    }
    return this.output();
  }

  /**
   * A source (e.g. a log partition) of a group of `count` (its log topic) that `customer` is read
   * from has read through event time `watermark` (null: nothing yet), or has gone quiet (`idle`).
   * From the first call for a customer on, its event time is the minimum over the sources of its
   * groups, once every one of them has been heard of — whichever customer they reported for: a
   * partition that never carried the customer still holds it, and moves it on. Quiet sources do
   * not hold it back (all quiet: the newest of them). A source's watermark never goes back.
   */
  advanceSource(customer: string, group: string, source: string, count: number, watermark: number | null, idle: boolean): WindowOutput {
    let sources = this.sourceGroups.get(group);
    if (sources === undefined) this.sourceGroups.set(group, (sources = { count, by: new Map(), customers: new Set() }));
    sources.count = Math.max(sources.count, count);
    const before = sources.by.get(source)?.watermark ?? null;
    const next = watermark === null ? before : before === null ? watermark : Math.max(before, watermark);
    sources.by.set(source, { watermark: next, idle });
    sources.customers.add(customer);
    const own = this.customers.get(customer) ?? new CustomerWindows();
    this.customers.set(customer, own);
    (own.groups ??= new Set()).add(group);
    for (const name of sources.customers) {
      const state = this.customers.get(name);
      const time = state ? this.groupsTime(state) : null;
      if (state === undefined || time === null || time <= state.maxTime) continue;
      state.maxTime = time;
      for (const window of this.windowsToClose(state, time - this.lateness)) this.close(name, state, window);
    }
    return this.output();
  }

  /** The slowest of a customer's groups, or null while one cannot say. */
  private groupsTime(state: CustomerWindows): number | null {
    let slowest: number | null = null;
    for (const group of state.groups ?? []) {
      const sources = this.sourceGroups.get(group);
      const time = sources ? groupTime(sources) : null;
      if (time === null) return null;
      if (slowest === null || time < slowest) slowest = time;
    }
    return slowest;
  }

  /** End of input: close every window (customers in first-seen order, windows by start). */
  flush(): WindowOutput {
    for (const [customer, state] of this.customers) {
      for (const window of this.windowsToClose(state, Number.POSITIVE_INFINITY)) this.close(customer, state, window);
    }
    return this.output();
  }

  /**
   * How far this baseline has read, over every customer: the newest lastTime minus the lateness
   * (-Infinity before any record). Its customers' windows ending at or before it are closed, and a
   * customer it never met (as long as customers' clocks agree within the lateness) has no session
   * to come here in those windows.
   */
  progress(): number {
    let newest = Number.NEGATIVE_INFINITY;
    for (const state of this.customers.values()) if (state.maxTime > newest) newest = state.maxTime;
    return newest - this.lateness;
  }

  private output(): WindowOutput {
    if (this.summaries.length === 0 && this.partials.length === 0 && this.late.length === 0) return EMPTY;
    const out = { summaries: this.summaries, partials: this.partials, late: this.late };
    this.summaries = [];
    this.partials = [];
    this.late = [];
    return out;
  }

  private emit(customer: string, state: CustomerWindows, window: OpenWindow, closed: boolean): void {
    if (!this.partialMode) {
      this.summaries.push(this.summary(customer, window, closed));
      return;
    }
    const aggregates = this.aggregatesOf(window);
    this.partials.push({
      customer,
      windowStart: window.start,
      windowEnd: window.end,
      sessionCount: window.foldedSessions + window.pending.size,
      closed,
      watermark: state.maxTime - this.lateness,
      aggregates: aggregates.map(aggregateRecord),
    });
  }

  /** The window's aggregates with its pending sessions counted (copies when any are pending). */
  private aggregatesOf(window: OpenWindow): FeatureAggregate[] {
    if (window.pending.size === 0) return window.folded;
    const aggregates = window.folded.map((aggregate) => aggregate.clone());
    for (const values of window.pending.values()) {
      for (let i = 0; i < aggregates.length; i++) (aggregates[i] as FeatureAggregate).add(values[i] as number);
    }
    return aggregates;
  }

  private windowsToClose(state: CustomerWindows, watermark: number): OpenWindow[] {
    const closing: OpenWindow[] = [];
    for (const window of state.windows.values()) if (window.end <= watermark) closing.push(window);
    return closing.sort((a, b) => a.start - b.start);
  }

  private close(customer: string, state: CustomerWindows, window: OpenWindow): void {
    for (const sessionId of [...window.pending.keys()]) {
      window.foldPending(sessionId);
      const last = state.lastSeen.get(sessionId);
      // This was the session's last open window: nothing of it is pending anywhere now.
      if (last !== undefined && lastWindowEndFor(last, this.spec) <= window.end) state.lastSeen.delete(sessionId);
    }
    for (const [sessionId, last] of state.closed) {
      if (lastWindowEndFor(last, this.spec) <= window.end) state.closed.delete(sessionId);
    }
    state.windows.delete(window.start);
    this.counters.windowsClosed++;
    this.emit(customer, state, window, true);
  }

  private summary(customer: string, window: OpenWindow, closed: boolean): WindowSummary {
    const sessionCount = window.foldedSessions + window.pending.size;
    const bounds = { customer, windowStart: window.start, windowEnd: window.end, closed };
    return summaryFromAggregates(bounds, sessionCount > 0 ? this.aggregatesOf(window) : window.folded, sessionCount, this.quantiles);
  }

  snapshot(): WindowBaselineSnapshot {
    const sourceGroups = this.sourceGroupsSnapshot();
    const { customers: _none, ...meta } = this.snapshotMeta();
    return {
      ...meta,
      ...(sourceGroups.length > 0 ? { sourceGroups } : {}),
      customers: [...this.customerViews()].map((view) => ({
        customer: view.customer,
        maxTime: view.maxTime,
        ...(view.groups ? { groups: [...view.groups] } : {}),
        lastSeen: [...view.lastSeen],
        closed: [...view.closed],
        windows: [...view.windows].map((window) => ({
          ...window.snapshotFolded(),
          pending: [...window.pending].map(([sessionId, values]) => [sessionId, Array.from(values)] as [string, number[]]),
        })),
      })),
    };
  }

  /** The snapshot without its customers and source groups (its meta entry in a checkpoint). */
  snapshotMeta(): WindowBaselineSnapshot {
    return {
      version: WINDOW_SNAPSHOT_VERSION,
      featureSet: featureSetFingerprint,
      spec: { sizeMs: this.spec.sizeMs, hopMs: this.spec.hopMs, offsetMs: this.spec.offsetMs },
      counters: { ...this.counters },
      customers: [],
    };
  }

  sourceGroupsSnapshot(): SourceGroupSnapshot[] {
    return [...this.sourceGroups].map(([group, g]) => ({
      group,
      count: g.count,
      by: [...g.by].map(([source, p]): [string, number | null, boolean] => [source, p.watermark, p.idle]),
      customers: [...g.customers],
    }));
  }

  /**
   * Every customer's live state, for a checkpoint that writes only what changed: windows are
   * stamped on every change and pending vectors replaced, never changed in place, so a reader can
   * tell what moved without serializing it. Read-only.
   */
  *customerViews(): IterableIterator<CustomerCheckpointView> {
    for (const [customer, state] of this.customers) {
      yield {
        customer,
        maxTime: state.maxTime === Number.NEGATIVE_INFINITY ? null : state.maxTime,
        groups: state.groups ? [...state.groups] : undefined,
        windows: state.windows.values(),
        lastSeen: state.lastSeen,
        closed: state.closed,
      };
    }
  }

  /** A baseline that continues from `snapshot`; `config` must match the one it was taken under. */
  static restore(snapshot: WindowBaselineSnapshot, config: WindowBaselineConfig = {}): WindowBaseline {
    checkWindowSnapshot(snapshot);
    const baseline = new WindowBaseline(config);
    const { sizeMs, hopMs, offsetMs } = snapshot.spec;
    if (sizeMs !== baseline.spec.sizeMs || hopMs !== baseline.spec.hopMs || offsetMs !== baseline.spec.offsetMs) {
      throw new FeatureError(
        'WEIR_FEATURES_SNAPSHOT',
        `window snapshot has windows of ${sizeMs} ms every ${hopMs} ms (offset ${offsetMs}); this baseline is configured differently`,
      );
    }
    Object.assign(baseline.counters, snapshot.counters);
    for (const saved of snapshot.customers) {
      const state = new CustomerWindows();
      state.maxTime = saved.maxTime ?? Number.NEGATIVE_INFINITY;
      if (saved.groups) state.groups = new Set(saved.groups);
      for (const [sessionId, time] of saved.lastSeen) state.lastSeen.set(sessionId, time);
      for (const [sessionId, time] of saved.closed ?? []) state.closed.set(sessionId, time);
      for (const savedWindow of saved.windows) {
        const folded = savedWindow.folded.map((aggregate) => FeatureAggregate.fromState(aggregate));
        if (folded.some((aggregate) => aggregate.sketch.mapping.relativeAccuracy !== baseline.accuracy)) {
          throw new FeatureError('WEIR_FEATURES_SNAPSHOT', 'window snapshot was taken with another sketch accuracy');
        }
        const window = new OpenWindow(savedWindow.start, savedWindow.start + baseline.spec.sizeMs, baseline.accuracy, folded);
        window.foldedSessions = savedWindow.foldedSessions;
        window.sinceEmit = savedWindow.sinceEmit;
        for (const [sessionId, values] of savedWindow.pending) window.pending.set(sessionId, Float64Array.from(values));
        state.windows.set(window.start, window);
      }
      baseline.customers.set(saved.customer, state);
    }
    for (const saved of snapshot.sourceGroups ?? []) {
      baseline.sourceGroups.set(saved.group, {
        count: saved.count,
        by: new Map(saved.by.map(([source, watermark, idle]) => [source, { watermark, idle }])),
        customers: new Set(saved.customers),
      });
    }
    return baseline;
  }
}

/**
 * The sessionizer: request events in, session feature records out, in event time only, so the
 * streaming stage and the offline CLI produce the same records from the same events.
 *
 * Ordering. Events go through a reorder buffer (a heap on event time) and are processed in
 * event-time order once the watermark — the newest event time seen minus the allowed lateness —
 * has passed them. An event older than the watermark when it arrives cannot be placed any more:
 * it is returned in `late` (and counted), never dropped silently.
 *
 * Timers. Each open session has one timer: the earlier of its close time (last event + gap, or
 * first event + maximum duration) and, while it has unemitted events, its update time (oldest
 * unemitted event + `updateAfterMs`). Timers fire in event-time order, interleaved with events:
 * a timer due at t fires before any event at or after t is processed. The timer key is allowed to
 * lag behind the session (it is only ever moved earlier eagerly; a timer that fires early re-arms
 * itself), which keeps the per-event cost at O(log sessions) worst case and O(1) typically.
 *
 * Determinism: processing order is (event time, arrival order) for events and (due, session
 * creation order) for timers, both total orders decided by the input alone. A checkpoint holds
 * exactly what decides them, so a restored sessionizer continues bit for bit.
 */
import type { RequestEvent, SessionFeatures } from '@weir/contracts';
import { AccumulatorStore, FIRST_TIME, LAST_TIME, SessionAccumulator } from './accumulator.js';
import { restoreAccumulator, snapshotAccumulator } from './accumulator-state.js';
import { FeatureError } from './errors.js';
import { digestHex } from './hash.js';
import { IndexedHeap, type HeapItem } from './heap.js';
import { featureSetFingerprint } from './registry.js';
import { sessionFeatureValues, type SessionProfile } from './session-features.js';
import {
  resolveSessionizerConfig,
  type ResolvedSessionizerConfig,
  type SessionizerConfig,
} from './sessionizer-config.js';
import { checkSessionizerSnapshot, SESSIONIZER_SNAPSHOT_VERSION, type ClosedEarly, type SessionSnapshot, type SessionizerSnapshot } from './sessionizer-state.js';
import { NO_ADDRESS, unkeyableReason } from './session-key.js';
import { detach } from './strings.js';
import { knownUserAgent, uaSignals, uaVersionsBehind } from './user-agent.js';

/** An event that arrived after the watermark had passed its time. */
export interface LateEvent {
  event: RequestEvent;
  /** The watermark when it arrived. */
  watermark: number;
  /** watermark − eventTime (> 0). */
  lateByMs: number;
}

export interface SessionizerOutput {
  /** Session records in emission order: updates and closes (`closed: true`). */
  readonly records: readonly SessionFeatures[];
  readonly late: readonly LateEvent[];
}

export interface SessionizerStats {
  events: number;
  lateEvents: number;
  sessionsOpened: number;
  sessionsClosed: number;
  /** Closed early, at the open-session cap (`maxOpenSessions`); also counted in sessionsClosed. */
  sessionsForceClosed: number;
  updates: number;
  openSessions: number;
  bufferedEvents: number;
}

/** Why a session was closed before its gap or maximum duration: only the open-session cap does that. */
type CloseReason = 'max_open_sessions' | null;

const EMPTY: SessionizerOutput = Object.freeze({ records: Object.freeze([]), late: Object.freeze([]) });

interface BufferedEvent extends HeapItem {
  readonly event: RequestEvent;
  /** The span (see BufferSpan) a checkpoint wrote it in; -1 before it is written. */
  span: number;
}

/** A full snapshot split into parts (without incremental checkpoints) groups the buffer in chunks of this many arrival numbers. */
export const BUFFER_CHUNK = 256;

/** The buffered events of one chunk (`seq / BUFFER_CHUNK`), as full snapshots (and checkpoints before spans) are split. */
export interface BufferChunk {
  chunk: number;
  events: Array<{ seq: number; event: RequestEvent }>;
}

/**
 * The events buffered since the previous checkpoint, written once as one part (`span`: the
 * first arrival number among them) and never rewritten: deleted once every one of them has left
 * the buffer. Until then it still lists those that left; the snapshot's `releasedThrough` tells
 * a restore which. (Rewriting a chunk of the buffer on every batch that added to it or drained
 * it wrote each event about six times over: most of a checkpoint's bytes.)
 */
export interface BufferSpan {
  span: number;
  events: Array<{ seq: number; event: RequestEvent }>;
}

/**
 * What changed since the previous `takeChanges`: the sessions touched and still open, the ones
 * closed, and the buffer chunks that gained or lost events. With `meta` (the snapshot without
 * sessions and buffer) it is everything a checkpoint must rewrite, so a batch costs what it
 * touched, not what is open.
 */
export interface SessionizerChanges {
  meta: SessionizerSnapshot;
  sessions: SessionSnapshot[];
  closed: Array<{ customer: string; key: string }>;
  /** At most one: the events buffered since the last take and still buffered. */
  bufferSpans: BufferSpan[];
  /** Spans whose every event has left the buffer (or rewritten into a new span after a restore). */
  removedSpans: number[];
  /** Buffer chunks of a checkpoint written before spans, whose events are now in a span. */
  removedChunks: number[];
  /** Sessions closed early (see `closedEarly`) remembered since the last take, or forgotten (null): one part each, never in the meta entry, which a flush of many would outgrow. */
  closedEarly: Array<[plainId: string, entry: ClosedEarly | null]>;
}

interface ChangeLog {
  touched: Set<OpenSession>;
  closed: Map<string, { customer: string; key: string }>;
  removedSpans: Set<number>;
  removedChunks: Set<number>;
  /** Plain ids of `closedEarly` entries added or removed. */
  early: Set<string>;
}

interface Tracking {
  log: ChangeLog;
  /** Buffered since the last take, in no span yet (some may have left the buffer since: skipped). */
  pending: BufferedEvent[];
  /** Span → how many of its events are still buffered. */
  spans: Map<number, number>;
}

const newChangeLog = (): ChangeLog => ({ touched: new Set(), closed: new Map(), removedSpans: new Set(), removedChunks: new Set(), early: new Set() });
const chunkOf = (seq: number) => Math.floor(seq / BUFFER_CHUNK);

const changeKey = (customer: string, key: string) => `${customer}\u0000${key}`;

/**
 * One open session: what decides its timer, its strings and its accumulator slot. Whatever can
 * be derived at emission (the session id from customer, key and first time; the UA signals from
 * the shared UA memo) is not kept: a million of these are held at once.
 */
class OpenSession implements HeapItem {
  /** Timer key: never later than the session's real next due time. */
  time = 0;
  heapIndex = -1;
  /** Events since the last emitted record. */
  pending = 0;
  /** Time of the oldest unemitted event, or -1 when everything is emitted. */
  dirtySince = -1;
  /** Sessions of this key with the same first time closed before this one (part of its id). */
  repeat = 0;

  constructor(
    readonly seq: number,
    readonly customer: string,
    readonly key: string,
    /** Null when the key is `<address>|<user agent>`: the address is then cut out of the key (`addressOf`). */
    readonly clientIp: string | null,
    readonly userAgent: string | null,
    /** The previous request's user agent, for `ua_changes`. */
    public previousUserAgent: string | null,
    /** Its accumulator record in the sessionizer's store. */
    readonly slot: number,
  ) {}
}

/** The shared copy of a UA text (sessions with the same UA share one string). */
function internUserAgent(userAgent: string | null): string | null {
  return userAgent === null ? null : knownUserAgent(userAgent).text;
}

const PIPE = 124;

/**
 * The address a session keeps: none when its key is exactly `<address>|<user agent>` (the
 * default ip_ua key), whose address part `addressOf` cuts out again — one string less per session.
 */
function keptAddress(clientIp: string, key: string, userAgent: string | null): string | null {
  const uaLength = userAgent?.length ?? 0;
  const inKey =
    clientIp !== '' &&
    key.length === clientIp.length + 1 + uaLength &&
    key.charCodeAt(clientIp.length) === PIPE &&
    key.startsWith(clientIp) &&
    (userAgent === null || key.endsWith(userAgent));
  return inKey ? null : detach(clientIp);
}

function addressOf(session: OpenSession): string {
  return session.clientIp ?? session.key.slice(0, session.key.length - 1 - (session.userAgent?.length ?? 0));
}

/**
 * A session's id: its customer, key and first event time. `repeat` (above 0) tells it from the
 * sessions of its key that started in the same millisecond and were closed before it (see
 * Sessionizer's `closedEarly`); the first such session keeps the plain id.
 */
export function sessionIdOf(customer: string, key: string, firstTime: number, repeat = 0): string {
  return digestHex(repeat > 0 ? [customer, key, String(firstTime), String(repeat)] : [customer, key, String(firstTime)], 32);
}

function checkEvent(event: RequestEvent): void {
  if (!Number.isFinite(event.eventTime)) {
    throw new FeatureError('WEIR_FEATURES_INVALID_INPUT', `event time ${event.eventTime} is not a finite number`, { reason: 'bad_event_time' });
  }
  if (typeof event.customer !== 'string' || event.customer === '') {
    throw new FeatureError('WEIR_FEATURES_INVALID_INPUT', 'event has no customer', { reason: 'no_customer' });
  }
}

export class Sessionizer {
  private readonly config: ResolvedSessionizerConfig;
  private readonly sessions = new Map<string, Map<string, OpenSession>>();
  private readonly accumulators = new AccumulatorStore();
  private readonly timers = new IndexedHeap<OpenSession>();
  private readonly buffer = new IndexedHeap<BufferedEvent>();
  private maxTime = Number.NEGATIVE_INFINITY;
  private nextSessionSeq = 0;
  private nextArrivalSeq = 0;
  private readonly counters = { events: 0, lateEvents: 0, sessionsOpened: 0, sessionsClosed: 0, sessionsForceClosed: 0, updates: 0 };
  private records: SessionFeatures[] = [];
  private late: LateEvent[] = [];
  /** Only while a checkpointing caller asked for changes (`trackChanges`): offline runs keep none. */
  private tracking: Tracking | null = null;
  /**
   * Sessions closed before the watermark passed their first event (an idle flush, the
   * open-session cap), by their plain id: a later event of the key at that very time (a visitor's
   * same-second requests cut by a pause in the input) opens a new session whose plain id would be
   * theirs, and downstream a repeated id is the same session (the window stage ignores it as a
   * replay, the score's last record replaces the first). Kept until the watermark passes the first
   * time: every event of that time has been placed (or is late) by then.
   */
  private readonly closedEarly = new Map<string, ClosedEarly>();
  /** Watermark from which `closedEarly` is next swept (not checkpointed: sweeping sooner or later changes no id). */
  private nextSweep = Number.NEGATIVE_INFINITY;
  /**
   * What the first take after a restore deletes: the buffer chunks of an older checkpoint (their
   * events go into a new span), and the spans that listed events the restore skipped (a span
   * must never list, under a later, lower watermark — a longer allowed lateness — events that left).
   */
  private readonly restored = { chunks: new Set<number>(), spans: new Set<number>() };

  constructor(config: SessionizerConfig = {}) {
    this.config = resolveSessionizerConfig(config);
  }

  /** Newest event time seen minus the allowed lateness; -Infinity before the first event. */
  get watermark(): number {
    return this.maxTime - this.config.allowedLatenessMs;
  }

  stats(): SessionizerStats {
    return { ...this.counters, openSessions: this.timers.size, bufferedEvents: this.buffer.size };
  }

  /** One event in; the records and late events it caused out. */
  push(event: RequestEvent): SessionizerOutput {
    checkEvent(event);
    // Checked on arrival, not when the event leaves the lateness buffer: the error must blame this event.
    const unkeyable = unkeyableReason(event, this.config.customer(event.customer).sessionKey, 'WEIR_SESSION_KEY=');
    if (unkeyable !== null) throw new FeatureError('WEIR_FEATURES_NO_ADDRESS', unkeyable, { reason: NO_ADDRESS });
    this.counters.events++;
    const watermark = this.watermark;
    if (event.eventTime < watermark) {
      this.counters.lateEvents++;
      this.late.push({ event, watermark, lateByMs: watermark - event.eventTime });
    } else {
      const item: BufferedEvent = { event, time: event.eventTime, seq: this.nextArrivalSeq++, heapIndex: -1, span: -1 };
      this.buffer.push(item);
      this.tracking?.pending.push(item);
      if (event.eventTime > this.maxTime) this.maxTime = event.eventTime;
      this.drain(this.watermark);
      this.sweepClosedEarly();
    }
    return this.output();
  }

  /**
   * Declare that event time has reached `time` without an event (an idle partition's heartbeat):
   * the watermark moves to `time − allowedLateness`, releasing buffered events and due timers.
   */
  advanceTo(time: number): SessionizerOutput {
    if (!Number.isFinite(time)) throw new FeatureError('WEIR_FEATURES_INVALID_INPUT', `time ${time} is not finite`);
    if (time > this.maxTime) {
      this.maxTime = time;
      this.drain(this.watermark);
      this.sweepClosedEarly();
    }
    return this.output();
  }

  /**
   * End of input: process every buffered event, then close every open session, in the order the
   * sessions were opened. The sessionizer stays usable; its watermark does not move.
   */
  flush(): SessionizerOutput {
    this.drain(this.maxTime);
    const open = this.timers.sorted().sort((a, b) => a.seq - b.seq);
    for (const session of open) {
      this.timers.remove(session);
      this.close(session);
    }
    return this.output();
  }

  private output(): SessionizerOutput {
    if (this.records.length === 0 && this.late.length === 0) return EMPTY;
    const out = { records: this.records, late: this.late };
    this.records = [];
    this.late = [];
    return out;
  }

  /** Process buffered events and due timers up to `limit`, in event-time order, timers first on ties. */
  private drain(limit: number): void {
    for (;;) {
      const next = this.buffer.peek();
      const eventTime = next !== undefined && next.time <= limit ? next.time : Number.POSITIVE_INFINITY;
      const timer = this.timers.peek();
      if (timer !== undefined && timer.time <= limit && timer.time <= eventTime) {
        this.fire(timer);
      } else if (next !== undefined && eventTime !== Number.POSITIVE_INFINITY) {
        this.buffer.pop();
        if (this.tracking !== null) this.trackReleased(this.tracking, next);
        this.process(next.event);
      } else {
        return;
      }
    }
  }

  private closeDue(session: OpenSession): number {
    const slot = session.slot;
    const store = this.accumulators;
    return Math.min(store.get(slot, LAST_TIME) + this.config.gapMs, store.get(slot, FIRST_TIME) + this.config.maxDurationMs);
  }

  private nextDue(session: OpenSession): number {
    const close = this.closeDue(session);
    const after = this.config.updateAfterMs;
    return session.dirtySince >= 0 && after > 0 ? Math.min(close, session.dirtySince + after) : close;
  }

  private fire(session: OpenSession): void {
    const now = session.time;
    if (this.closeDue(session) <= now) {
      this.timers.remove(session);
      this.close(session);
      return;
    }
    const after = this.config.updateAfterMs;
    if (session.dirtySince >= 0 && after > 0 && session.dirtySince + after <= now) this.emit(session, false);
    // Fired early (the key lagged) or after an update: wait for the real next due time.
    session.time = this.nextDue(session);
    this.timers.update(session);
    this.tracking?.log.touched.add(session);
  }

  /** Forgets the early-closed sessions whose first time the watermark has passed (after a drain: every event before it is placed). */
  private sweepClosedEarly(): void {
    const watermark = this.watermark;
    if (this.closedEarly.size === 0 || watermark < this.nextSweep) return;
    for (const [id, [, firstTime]] of this.closedEarly) {
      if (firstTime >= watermark) continue;
      this.closedEarly.delete(id);
      this.tracking?.log.early.add(id);
    }
    // Swept at most once per lateness (at least a second) of event time: a sweep reads every entry.
    this.nextSweep = watermark + Math.max(this.config.allowedLatenessMs, 1_000);
  }

  private close(session: OpenSession, reason: CloseReason = null): void {
    this.emit(session, true, reason);
    const firstTime = this.accumulators.get(session.slot, FIRST_TIME);
    if (firstTime >= this.watermark) {
      const plainId = sessionIdOf(session.customer, session.key, firstTime);
      this.closedEarly.set(plainId, [plainId, firstTime, session.repeat + 1]);
      this.tracking?.log.early.add(plainId);
    }
    const byKey = this.sessions.get(session.customer);
    byKey?.delete(session.key);
    if (byKey?.size === 0) this.sessions.delete(session.customer);
    this.accumulators.release(session.slot);
    this.counters.sessionsClosed++;
    if (this.tracking !== null) {
      this.tracking.log.touched.delete(session);
      this.tracking.log.closed.set(changeKey(session.customer, session.key), { customer: session.customer, key: session.key });
    }
  }

  /**
   * At the cap, the session least recently active (the first due on the timer heap: its gap
   * ends soonest) is closed now, as it stands, and flagged: memory stays bounded, and what was
   * cut short is counted, not hidden.
   */
  private makeRoom(): void {
    const cap = this.config.maxOpenSessions;
    while (cap > 0 && this.timers.size >= cap) {
      const first = this.timers.peek()!;
      // Timer keys may lag behind a session's activity: bring the first one up to date and look again.
      const due = this.nextDue(first);
      if (first.time < due) {
        first.time = due;
        this.timers.update(first);
        this.tracking?.log.touched.add(first);
        continue;
      }
      this.timers.remove(first);
      this.close(first, 'max_open_sessions');
      this.counters.sessionsForceClosed++;
    }
  }

  private emit(session: OpenSession, closed: boolean, closeReason: CloseReason = null): void {
    const acc = new SessionAccumulator(this.accumulators, session.slot);
    const ua = uaSignals(session.userAgent);
    const profile: SessionProfile = { ua, versionsBehind: uaVersionsBehind(ua, acc.firstTime) };
    this.records.push({
      customer: session.customer,
      sessionId: sessionIdOf(session.customer, session.key, acc.firstTime, session.repeat),
      sessionKey: session.key,
      clientIp: addressOf(session),
      userAgent: session.userAgent,
      firstTime: acc.firstTime,
      lastTime: acc.lastTime,
      requestCount: acc.requestCount,
      closed,
      closeReason,
      featureSet: featureSetFingerprint,
      features: sessionFeatureValues(acc, profile),
    });
    if (!closed) this.counters.updates++;
    session.pending = 0;
    session.dirtySince = -1;
  }

  private process(event: RequestEvent): void {
    const customerConfig = this.config.customer(event.customer);
    const key = customerConfig.keyer(event);
    let byKey = this.sessions.get(event.customer);
    if (byKey === undefined) {
      byKey = new Map();
      this.sessions.set(event.customer, byKey);
    }
    const time = event.eventTime;
    let session = byKey.get(key);
    if (session !== undefined && this.closeDue(session) <= time) {
      // Unreachable while timers fire first on ties; kept so that a broken invariant closes the
      // session correctly instead of growing it past its gap.
      this.timers.remove(session);
      this.close(session);
      session = undefined;
      if (!this.sessions.has(event.customer)) this.sessions.set(event.customer, byKey);
    }
    const isNew = session === undefined;
    if (session === undefined) {
      this.makeRoom();
      const stableKey = detach(key);
      const userAgent = internUserAgent(event.userAgent);
      session = new OpenSession(
        this.nextSessionSeq++,
        event.customer,
        stableKey,
        keptAddress(event.clientIp, stableKey, userAgent),
        userAgent,
        userAgent,
        this.accumulators.allocate(),
      );
      byKey.set(stableKey, session);
      this.counters.sessionsOpened++;
      // Its first event is this one: a session of the key closed early with this first time had its id.
      // Hashed only while some session is remembered: opening a session is on the hot path.
      if (this.closedEarly.size > 0) session.repeat = this.closedEarly.get(sessionIdOf(event.customer, stableKey, time))?.[2] ?? 0;
    }
    const uaChanged = !isNew && event.userAgent !== session.previousUserAgent;
    if (uaChanged) session.previousUserAgent = internUserAgent(event.userAgent);
    this.accumulators.add(session.slot, event, uaChanged, customerConfig.context);
    session.pending++;
    if (session.dirtySince < 0) session.dirtySince = time;
    const every = this.config.updateEveryEvents;
    if (every > 0 && session.pending >= every) this.emit(session, false);

    const due = this.nextDue(session);
    if (isNew) {
      session.time = due;
      this.timers.push(session);
    } else if (due < session.time) {
      session.time = due;
      this.timers.update(session);
    }
    this.tracking?.log.touched.add(session);
  }

  /** Everything needed to continue exactly where this sessionizer is, as a JSON-safe object. */
  snapshot(): SessionizerSnapshot {
    const sessions: SessionizerSnapshot['sessions'] = [];
    for (const byKey of this.sessions.values()) {
      for (const session of byKey.values()) sessions.push(this.sessionSnapshot(session));
    }
    return {
      ...this.meta(),
      buffer: this.buffer.sorted().map((item) => ({ seq: item.seq, event: item.event })),
      sessions,
      ...(this.closedEarly.size > 0 ? { closedEarly: [...this.closedEarly.values()].map((entry): ClosedEarly => [...entry]) } : {}),
    };
  }

  /**
   * From now on, record what changes for `takeChanges`. A checkpointing caller turns it on once
   * its state holds this sessionizer's full snapshot (a fresh one, or the one it was restored from).
   * Buffered events not read from a span are written in a new one by the first take;
   * `rewriteClosedEarly`: report every session closed early as changed (the state held them elsewhere).
   */
  trackChanges(options: { rewriteClosedEarly?: boolean } = {}): void {
    if (this.tracking !== null) return;
    const tracking: Tracking = { log: newChangeLog(), pending: [], spans: new Map() };
    for (const item of this.buffer.sorted()) {
      if (item.span < 0) tracking.pending.push(item);
      else tracking.spans.set(item.span, (tracking.spans.get(item.span) ?? 0) + 1);
    }
    for (const chunk of this.restored.chunks) tracking.log.removedChunks.add(chunk);
    for (const span of this.restored.spans) tracking.log.removedSpans.add(span);
    this.restored.chunks.clear();
    this.restored.spans.clear();
    if (options.rewriteClosedEarly) for (const id of this.closedEarly.keys()) tracking.log.early.add(id);
    this.tracking = tracking;
  }

  private trackReleased(tracking: Tracking, item: BufferedEvent): void {
    // Not in a span yet: the next take skips it (it has left the heap).
    if (item.span < 0) return;
    const left = (tracking.spans.get(item.span) ?? 0) - 1;
    if (left > 0) {
      tracking.spans.set(item.span, left);
    } else {
      tracking.spans.delete(item.span);
      tracking.log.removedSpans.add(item.span);
    }
  }

  /** What changed since the previous call (or `trackChanges`), and starts recording afresh. */
  takeChanges(): SessionizerChanges {
    const tracking = this.tracking;
    if (tracking === null) throw new FeatureError('WEIR_FEATURES_INVALID_INPUT', 'takeChanges before trackChanges');
    const { touched, closed, early, removedSpans, removedChunks } = tracking.log;
    tracking.log = newChangeLog();
    const sessions: SessionSnapshot[] = [];
    for (const session of touched) {
      closed.delete(changeKey(session.customer, session.key));
      sessions.push(this.sessionSnapshot(session));
    }
    const bufferSpans: BufferSpan[] = [];
    const fresh = tracking.pending.filter((item) => item.heapIndex >= 0);
    tracking.pending = [];
    if (fresh.length > 0) {
      // In arrival order already, unless a restore put older events in too.
      fresh.sort((a, b) => a.seq - b.seq);
      const span = fresh[0]!.seq;
      const events: BufferSpan['events'] = [];
      for (const item of fresh) {
        item.span = span;
        events.push({ seq: item.seq, event: item.event });
      }
      tracking.spans.set(span, fresh.length);
      // A span rewritten after a restore may start where a deleted one did: written, not deleted.
      removedSpans.delete(span);
      bufferSpans.push({ span, events });
    }
    const closedEarly = [...early].map((id): [string, ClosedEarly | null] => {
      const entry = this.closedEarly.get(id);
      return [id, entry === undefined ? null : [...entry]];
    });
    return {
      meta: { ...this.meta(), buffer: [], sessions: [] },
      sessions,
      closed: [...closed.values()],
      bufferSpans,
      removedSpans: [...removedSpans],
      removedChunks: [...removedChunks],
      closedEarly,
    };
  }

  /**
   * The event time through which every event has left the buffer. Usually the watermark, but a
   * sessionizer restored under a shorter allowed lateness holds events at or below it until its
   * next on-time event drains them: a restore must not take those for released (event times are
   * whole milliseconds).
   */
  private releasedThrough(): number {
    const oldest = this.buffer.peek();
    return oldest !== undefined && oldest.time <= this.watermark ? oldest.time - 1 : this.watermark;
  }

  private meta(): Omit<SessionizerSnapshot, 'buffer' | 'sessions'> {
    return {
      version: SESSIONIZER_SNAPSHOT_VERSION,
      featureSet: featureSetFingerprint,
      maxTime: this.maxTime === Number.NEGATIVE_INFINITY ? null : this.maxTime,
      ...(this.maxTime === Number.NEGATIVE_INFINITY ? {} : { releasedThrough: this.releasedThrough() }),
      nextSessionSeq: this.nextSessionSeq,
      nextArrivalSeq: this.nextArrivalSeq,
      counters: { ...this.counters },
    };
  }

  private sessionSnapshot(session: OpenSession): SessionSnapshot {
    return {
      seq: session.seq,
      customer: session.customer,
      key: session.key,
      id: sessionIdOf(session.customer, session.key, this.accumulators.get(session.slot, FIRST_TIME), session.repeat),
      clientIp: addressOf(session),
      userAgent: session.userAgent,
      ...(session.previousUserAgent === session.userAgent ? {} : { previousUserAgent: session.previousUserAgent }),
      timer: session.time,
      pending: session.pending,
      dirtySince: session.dirtySince,
      acc: snapshotAccumulator(new SessionAccumulator(this.accumulators, session.slot)),
      ...(session.repeat > 0 ? { repeat: session.repeat } : {}),
    };
  }

  /**
   * A sessionizer that continues from `snapshot`. `config` should be the one the snapshot was
   * taken under; a different one is allowed (e.g. a longer gap) and applies from here on.
   */
  static restore(snapshot: SessionizerSnapshot, config: SessionizerConfig = {}): Sessionizer {
    checkSessionizerSnapshot(snapshot);
    const sessionizer = new Sessionizer(config);
    sessionizer.maxTime = snapshot.maxTime ?? Number.NEGATIVE_INFINITY;
    sessionizer.nextSessionSeq = snapshot.nextSessionSeq;
    sessionizer.nextArrivalSeq = snapshot.nextArrivalSeq;
    Object.assign(sessionizer.counters, snapshot.counters);
    for (const entry of snapshot.closedEarly ?? []) sessionizer.closedEarly.set(entry[0], [...entry]);
    const released = snapshot.releasedThrough ?? Number.NEGATIVE_INFINITY;
    const { chunks, spans } = sessionizer.restored;
    const items: BufferedEvent[] = [];
    for (const item of snapshot.buffer) {
      if (item.span === undefined) chunks.add(chunkOf(item.seq));
      if (item.event.eventTime <= released) {
        if (item.span !== undefined) spans.add(item.span);
        continue;
      }
      items.push({ event: item.event, time: item.event.eventTime, seq: item.seq, heapIndex: -1, span: item.span ?? -1 });
    }
    for (const item of items) {
      // Its span is deleted and it is written again in a new one.
      if (spans.has(item.span)) item.span = -1;
      sessionizer.buffer.push(item);
    }
    for (const saved of snapshot.sessions) {
      const acc = restoreAccumulator(saved.acc, sessionizer.accumulators);
      // The id is derived, not kept: a saved one that differs would split the session's records.
      if (sessionIdOf(saved.customer, saved.key, acc.firstTime, saved.repeat) !== saved.id) {
        throw new FeatureError('WEIR_FEATURES_SNAPSHOT', `sessionizer snapshot: session ${saved.id} is not the id of its customer, key and first time`);
      }
      const userAgent = internUserAgent(saved.userAgent);
      const session = new OpenSession(
        saved.seq,
        saved.customer,
        saved.key,
        keptAddress(saved.clientIp, saved.key, userAgent),
        userAgent,
        saved.previousUserAgent === undefined ? userAgent : internUserAgent(saved.previousUserAgent),
        acc.slot,
      );
      session.pending = saved.pending;
      session.dirtySince = saved.dirtySince;
      session.repeat = saved.repeat ?? 0;
      // The saved key may lag (allowed); a changed config may bring the due time earlier.
      session.time = Math.min(saved.timer, sessionizer.nextDue(session));
      let byKey = sessionizer.sessions.get(saved.customer);
      if (byKey === undefined) {
        byKey = new Map();
        sessionizer.sessions.set(saved.customer, byKey);
      }
      byKey.set(saved.key, session);
      sessionizer.timers.push(session);
    }
    return sessionizer;
  }
}

/**
 * Sessionization in event time: splits by gap and maximum duration, ordering within the allowed
 * lateness, late events, session keys, update cadence, flush, determinism and checkpoints.
 */
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RequestEvent, SessionFeatures } from '@weir/contracts';
import { isFeatureError } from '../src/errors.js';
import { featureSetFingerprint } from '../src/registry.js';
import { Sessionizer, sessionIdOf, type SessionizerOutput } from '../src/sessionizer.js';
import type { SessionizerConfig } from '../src/sessionizer-config.js';
import { decodeSessionizerSnapshot, encodeSessionizerSnapshot, type SessionizerSnapshot } from '../src/sessionizer-state.js';
import { at, CHROME_130, closedSessions, longSession, prng, request, run, shuffleWithin, T0, traffic, type Run } from './helpers.js';

const MINUTE = 60;

test('an inactivity gap splits a session; an event exactly one gap later starts the new one', () => {
  const sessions = closedSessions([at(0), at(10 * MINUTE), at(40 * MINUTE), at(41 * MINUTE)], { gapMs: 30 * 60_000 });
  assert.deepEqual(
    sessions.map((s) => [s.firstTime - T0, s.lastTime - T0, s.requestCount]),
    [
      [0, 600_000, 2],
      [2_400_000, 2_460_000, 2],
    ],
  );
  assert.notEqual(sessions[0]?.sessionId, sessions[1]?.sessionId);
  // 10 min → 40 min is exactly the gap: a new session (the gap is "at least 30 min of silence").
});

test('the maximum duration splits a long session', () => {
  const events = Array.from({ length: 30 }, (_, i) => at(i * 10 * MINUTE, { path: `/p${i}` }));
  const sessions = closedSessions(events, { gapMs: 30 * 60_000, maxDurationMs: 4 * 3_600_000 });
  // 0..230 min (24 events) then 240..290 min (6 events).
  assert.deepEqual(
    sessions.map((s) => [(s.firstTime - T0) / 60_000, (s.lastTime - T0) / 60_000, s.requestCount]),
    [
      [0, 230, 24],
      [240, 290, 6],
    ],
  );
  assert.equal(sessions[0]?.features.session_duration_s, 230 * 60);
});

test('sessions close by the watermark (event time), not at flush', () => {
  const sessionizer = new Sessionizer({ allowedLatenessMs: 0, updateEveryEvents: 0, updateAfterMs: 0 });
  assert.equal(sessionizer.push(at(0)).records.length, 0);
  // Another visitor 30 min later moves event time past the first session's gap.
  const out = sessionizer.push(at(30 * MINUTE, { clientIp: '10.0.0.2' }));
  assert.equal(out.records.length, 1);
  assert.equal(out.records[0]?.closed, true);
  assert.equal(out.records[0]?.clientIp, '10.0.0.1');
  assert.equal(sessionizer.stats().openSessions, 1);
});

const CONFIG: SessionizerConfig = { gapMs: 10 * 60_000, allowedLatenessMs: 60_000, updateEveryEvents: 5, updateAfterMs: 20_000 };

test('out-of-order events within the allowed lateness give exactly the sorted input’s records', () => {
  const sorted = traffic(600, 1);
  const expected = run(sorted, CONFIG);
  assert.ok(expected.records.some((r) => !r.closed) && expected.records.filter((r) => r.closed).length > 10);
  for (const seed of [2, 3, 4]) {
    const shuffled = shuffleWithin(sorted, 60_000, seed);
    assert.notDeepEqual(shuffled, sorted);
    const got = run(shuffled, CONFIG);
    assert.equal(got.late.length, 0);
    assert.deepStrictEqual(got.records, expected.records);
  }
});

test('events later than the allowed lateness are returned and counted, not folded in', () => {
  const sessionizer = new Sessionizer({ allowedLatenessMs: 60_000, updateEveryEvents: 0, updateAfterMs: 0 });
  sessionizer.push(at(0, { path: '/a' }));
  sessionizer.push(at(120, { path: '/b' })); // watermark now T0 + 60 s
  const lateEvent = at(30, { path: '/late' });
  const out = sessionizer.push(lateEvent);
  assert.deepEqual(out.late, [{ event: lateEvent, watermark: T0 + 60_000, lateByMs: 30_000 }]);
  assert.equal(sessionizer.stats().lateEvents, 1);
  // Exactly at the watermark is still on time.
  assert.equal(sessionizer.push(at(60, { path: '/edge' })).late.length, 0);
  const closed = sessionizer.flush().records;
  assert.equal(closed.length, 1);
  assert.equal(closed[0]?.requestCount, 3);
});

test('field:sessionId keys by the event’s session id and falls back to ip|ua without one', () => {
  const events = [
    at(0, { sessionId: 'abc', clientIp: '1.1.1.1' }),
    at(1, { sessionId: 'abc', clientIp: '2.2.2.2' }), // same visitor, new address
    at(2, { sessionId: null, clientIp: '3.3.3.3' }),
    at(3, { sessionId: '', clientIp: '3.3.3.3' }),
  ];
  const sessions = closedSessions(events, { sessionKey: 'field:sessionId' });
  assert.deepEqual(
    sessions.map((s) => [s.sessionKey, s.requestCount, s.clientIp]),
    [
      ['abc', 2, '1.1.1.1'],
      [`3.3.3.3|${CHROME_130}`, 2, '3.3.3.3'],
    ],
  );
});

test('field:<extra> keys by a log-format field, per customer when configured', () => {
  const events = [
    at(0, { extra: { cookie_sid: 'k1' }, clientIp: '1.1.1.1' }),
    at(1, { extra: { cookie_sid: 'k1' }, clientIp: '1.1.1.2' }),
    at(2, { customer: 'blog', extra: { cookie_sid: 'k1' }, clientIp: '1.1.1.3' }),
  ];
  const sessions = closedSessions(events, { customers: { shop: { sessionKey: 'field:cookie_sid' } } });
  assert.deepEqual(
    sessions.map((s) => [s.customer, s.sessionKey, s.requestCount]),
    [
      ['shop', 'k1', 2],
      ['blog', `1.1.1.3|${CHROME_130}`, 1],
    ],
  );
});

test('bad configuration fails fast with WEIR_FEATURES_CONFIG', () => {
  for (const config of [
    { sessionKey: 'cookie' },
    { sessionKey: 'field:' },
    { timeZone: 'Mars/Olympus' },
    { timeZone: '+15:00' },
    { gapMs: 0 },
    { updateEveryEvents: 1.5 },
    { customers: { x: { timeZone: 'Nowhere/Else' } } },
  ] as SessionizerConfig[]) {
    assert.throws(() => new Sessionizer(config), (err: unknown) => isFeatureError(err, 'WEIR_FEATURES_CONFIG'), JSON.stringify(config));
  }
  assert.throws(
    () => new Sessionizer().push(at(0, { eventTime: Number.NaN })),
    (err: unknown) => isFeatureError(err, 'WEIR_FEATURES_INVALID_INPUT'),
  );
});

test('every session reports its first address and key, whether the key holds the address or not, across a checkpoint', () => {
  const config: SessionizerConfig = { sessionKey: 'field:sessionId', updateEveryEvents: 0, updateAfterMs: 0, allowedLatenessMs: 0 };
  const visitors: Array<Partial<RequestEvent>> = [
    { clientIp: '10.0.0.7' }, // ip|ua key
    { clientIp: '2001:db8::1', userAgent: null }, // ip| key, no UA
    { clientIp: '', userAgent: 'curl/8.7.1' }, // redacted address: -|ua key
    { clientIp: '10.0.0.8', sessionId: 'cookie-1' }, // key without the address
    { clientIp: '10.0.0.9', userAgent: '10.0.0.9|x' }, // a UA that looks like a key
  ];
  const events = [...visitors.map((visitor, i) => at(i, visitor)), ...visitors.map((visitor, i) => at(10 + i, { ...visitor, clientIp: '192.0.2.1' }))];
  const straight = run(events, config).records;
  assert.deepEqual(
    straight.map((r) => [r.clientIp, r.sessionKey, r.requestCount]),
    [
      ['10.0.0.7', `10.0.0.7|${CHROME_130}`, 1],
      ['2001:db8::1', '2001:db8::1|', 1],
      ['', '-|curl/8.7.1', 1],
      ['10.0.0.8', 'cookie-1', 2],
      ['10.0.0.9', '10.0.0.9|10.0.0.9|x', 1],
      ['192.0.2.1', `192.0.2.1|${CHROME_130}`, 1],
      ['192.0.2.1', '192.0.2.1|', 1],
      ['192.0.2.1', '192.0.2.1|curl/8.7.1', 1],
      ['192.0.2.1', '192.0.2.1|10.0.0.9|x', 1],
    ],
  );
  const first = new Sessionizer(config);
  for (const event of events.slice(0, 7)) first.push(event);
  const restored = Sessionizer.restore(decodeSessionizerSnapshot(encodeSessionizerSnapshot(first.snapshot())), config);
  const records: SessionFeatures[] = [];
  for (const event of events.slice(7)) records.push(...restored.push(event).records);
  records.push(...restored.flush().records);
  assert.deepStrictEqual(records, straight);
});

test('updates every N events carry the same session id; close comes last', () => {
  const events = Array.from({ length: 7 }, (_, i) => at(i, { path: `/p${i}` }));
  const { records } = run(events, { updateEveryEvents: 3, updateAfterMs: 0 });
  assert.deepEqual(
    records.map((r) => [r.requestCount, r.closed]),
    [
      [3, false],
      [6, false],
      [7, true],
    ],
  );
  assert.equal(new Set(records.map((r) => r.sessionId)).size, 1);
  assert.equal(records[0]?.sessionId, sessionIdOf('shop', `10.0.0.1|${CHROME_130}`, T0));
  assert.equal(records[0]?.featureSet, featureSetFingerprint);
});

test('an update follows once event time passes the oldest unemitted event by updateAfterMs', () => {
  const sessionizer = new Sessionizer({ allowedLatenessMs: 0, updateEveryEvents: 0, updateAfterMs: 10_000 });
  sessionizer.push(at(0));
  sessionizer.push(at(1));
  assert.equal(sessionizer.push(at(9.999, { clientIp: '10.0.0.2' })).records.length, 0);
  const out = sessionizer.push(at(10, { clientIp: '10.0.0.2' }));
  assert.deepEqual(
    out.records.map((r) => [r.clientIp, r.requestCount, r.lastTime - T0, r.closed]),
    [['10.0.0.1', 2, 1000, false]],
  );
  // Nothing new since: no second update, only the close at flush.
  assert.equal(sessionizer.push(at(25, { clientIp: '10.0.0.3' })).records.filter((r) => r.clientIp === '10.0.0.1').length, 0);
  const closes = sessionizer.flush().records;
  assert.deepEqual(
    closes.map((r) => [r.clientIp, r.closed]),
    [
      ['10.0.0.1', true],
      ['10.0.0.2', true],
      ['10.0.0.3', true],
    ],
  );
});

test('advanceTo releases buffered events and due timers without an event', () => {
  const sessionizer = new Sessionizer({ allowedLatenessMs: 60_000, updateEveryEvents: 0, updateAfterMs: 0, gapMs: 60_000 });
  sessionizer.push(at(0));
  assert.equal(sessionizer.advanceTo(T0 + 60_000 + 60_000 - 1).records.length, 0);
  const out = sessionizer.advanceTo(T0 + 60_000 + 60_000);
  assert.equal(out.records.length, 1);
  assert.equal(out.records[0]?.closed, true);
});

test('flush processes what is buffered and closes everything', () => {
  const sessionizer = new Sessionizer({ allowedLatenessMs: 3_600_000, updateEveryEvents: 0, updateAfterMs: 0 });
  for (let i = 0; i < 5; i++) assert.equal(sessionizer.push(at(i, { clientIp: `10.0.0.${i % 2}` })).records.length, 0);
  assert.equal(sessionizer.stats().bufferedEvents, 5);
  const closed = sessionizer.flush().records;
  assert.deepEqual(
    closed.map((r) => [r.clientIp, r.requestCount, r.closed]),
    [
      ['10.0.0.0', 3, true],
      ['10.0.0.1', 2, true],
    ],
  );
  assert.deepEqual(sessionizer.stats(), {
    events: 5,
    lateEvents: 0,
    sessionsOpened: 2,
    sessionsClosed: 2,
    sessionsForceClosed: 0,
    updates: 0,
    openSessions: 0,
    bufferedEvents: 0,
  });
});

test('same input, same output, bit for bit', () => {
  const events = shuffleWithin(traffic(400, 7), 50_000, 8);
  const a = run(events, CONFIG);
  const b = run(events, CONFIG);
  assert.deepStrictEqual(a, b);
  assert.equal(JSON.stringify(a), JSON.stringify(b));
});

function collect(into: Run, out: SessionizerOutput): void {
  into.records.push(...out.records);
  into.late.push(...out.late);
}

test('checkpoint → restore → continue gives exactly the uninterrupted run’s output', () => {
  const events = shuffleWithin(traffic(500, 11), 90_000, 12); // some beyond the 60 s lateness: late events too
  const uninterrupted = run(events, CONFIG);
  assert.ok(uninterrupted.late.length > 0);
  for (const cut of [1, 57, 250, 499]) {
    const got: Run = { records: [], late: [] };
    const first = new Sessionizer(CONFIG);
    for (const event of events.slice(0, cut)) collect(got, first.push(event));
    const bytes = encodeSessionizerSnapshot(first.snapshot());
    const restored = Sessionizer.restore(decodeSessionizerSnapshot(bytes), CONFIG);
    assert.deepEqual(restored.stats(), first.stats());
    for (const event of events.slice(cut)) collect(got, restored.push(event));
    collect(got, restored.flush());
    assert.deepStrictEqual(got, uninterrupted, `cut at ${cut}`);
  }
});

/**
 * What a checkpointing stage keeps: the parts `takeChanges` reported, applied one batch after
 * another, keyed as the full snapshot's sessions and buffered events are.
 */
class ChangeApplied {
  readonly sessions = new Map<string, SessionizerSnapshot['sessions'][number]>();
  readonly buffer = new Map<number, SessionizerSnapshot['buffer']>();
  readonly closedEarly = new Map<string, NonNullable<SessionizerSnapshot['closedEarly']>[number]>();
  meta: SessionizerSnapshot | undefined;

  apply(sessionizer: Sessionizer): void {
    const changes = sessionizer.takeChanges();
    // A session opened and closed between two takes was never written: deleting it is a no-op.
    for (const { customer, key } of changes.closed) this.sessions.delete(`${customer}|${key}`);
    for (const s of changes.sessions) this.sessions.set(`${s.customer}|${s.key}`, s);
    assert.deepEqual(changes.removedChunks, [], 'no chunks: none were written');
    for (const span of changes.removedSpans) assert.ok(this.buffer.delete(span), `emptied span ${span} was written before`);
    for (const c of changes.bufferSpans) this.buffer.set(c.span, c.events.map((item) => ({ ...item, span: c.span })));
    for (const [id, early] of changes.closedEarly) {
      if (early === null) assert.ok(this.closedEarly.delete(id), `forgotten ${id} was written before`);
      else this.closedEarly.set(id, early);
    }
    this.meta = changes.meta;
  }

  /**
   * `stored`: as a restore reads it (each buffered event with its span, and the released events
   * the spans still list, which the restore skips); else only what is still buffered.
   */
  snapshot(stored = false): SessionizerSnapshot {
    const through = this.meta!.releasedThrough ?? Number.NEGATIVE_INFINITY;
    return {
      ...this.meta!,
      buffer: [...this.buffer.values()]
        .flat()
        .filter((item) => stored || item.event.eventTime > through)
        .map((item) => (stored ? item : { seq: item.seq, event: item.event }))
        .sort((a, b) => a.seq - b.seq),
      sessions: [...this.sessions.values()].sort((a, b) => a.seq - b.seq),
      ...(this.closedEarly.size > 0 ? { closedEarly: [...this.closedEarly.values()].sort((a, b) => a[0].localeCompare(b[0])) } : {}),
    };
  }
}

/** A full snapshot in a canonical order, to compare with what the changes rebuilt. */
function canonical(snapshot: SessionizerSnapshot): SessionizerSnapshot {
  return {
    ...snapshot,
    buffer: [...snapshot.buffer].sort((a, b) => a.seq - b.seq),
    sessions: [...snapshot.sessions].sort((a, b) => a.seq - b.seq),
    ...(snapshot.closedEarly ? { closedEarly: [...snapshot.closedEarly].sort((a, b) => a[0].localeCompare(b[0])) } : {}),
  };
}

test('changes taken after every batch add up to the full snapshot, and restore to the uninterrupted run', () => {
  const events = shuffleWithin(traffic(600, 21), 90_000, 22);
  const config = { ...CONFIG, updateEveryEvents: 3 };
  const uninterrupted = run(events, config);
  const sessionizer = new Sessionizer(config);
  sessionizer.trackChanges();
  const state = new ChangeApplied();
  const random = prng(23);
  let checked = 0;
  for (let i = 0; i < events.length; ) {
    const batch = 1 + Math.floor(random() * 40);
    for (const event of events.slice(i, i + batch)) sessionizer.push(event);
    i += batch;
    state.apply(sessionizer);
    assert.deepStrictEqual(state.snapshot(), canonical(sessionizer.snapshot()), `after event ${i}`);
    checked++;
  }
  assert.ok(checked > 20 && state.buffer.size + state.sessions.size > 0, 'checked batches with open state');
  // The rebuilt state continues exactly as the uninterrupted run: restore it mid-way.
  const cut = 350;
  const got: Run = { records: [], late: [] };
  const first = new Sessionizer(config);
  first.trackChanges();
  const saved = new ChangeApplied();
  for (const [i, event] of events.slice(0, cut).entries()) {
    collect(got, first.push(event));
    if (i % 7 === 0) saved.apply(first);
  }
  saved.apply(first);
  const restored = Sessionizer.restore(saved.snapshot(true), config);
  for (const event of events.slice(cut)) collect(got, restored.push(event));
  collect(got, restored.flush());
  assert.deepStrictEqual(got, uninterrupted);
});

test('each buffered event is written once, in the span of the batch that buffered it, however long it stays', () => {
  // Dense traffic: about 600 events within the 60 s lateness, so events stay buffered over many batches.
  const events = shuffleWithin(traffic(3000, 31).map((e, i) => ({ ...e, eventTime: T0 + i * 100 })), 5_000, 32);
  const sessionizer = new Sessionizer(CONFIG);
  sessionizer.trackChanges();
  const written = new Set<number>();
  for (let i = 0; i < events.length; i += 50) {
    for (const event of events.slice(i, i + 50)) sessionizer.push(event);
    for (const span of sessionizer.takeChanges().bufferSpans) {
      for (const { seq } of span.events) {
        assert.ok(!written.has(seq), `event ${seq} written twice`);
        written.add(seq);
      }
    }
  }
  const { bufferedEvents, lateEvents } = sessionizer.stats();
  assert.ok(bufferedEvents > 400, `${bufferedEvents} events still buffered`);
  assert.ok(written.size <= events.length - lateEvents && written.size > (events.length - lateEvents) / 2, `${written.size} events written`);
});

/** The changes of `sessionizer` applied after every batch of `size` events, as the stage checkpoints them. */
function checkpointedInBatches(sessionizer: Sessionizer, events: readonly RequestEvent[], size: number): ChangeApplied {
  sessionizer.trackChanges();
  const state = new ChangeApplied();
  for (let i = 0; i < events.length; i += size) {
    for (const event of events.slice(i, i + size)) sessionizer.push(event);
    state.apply(sessionizer);
  }
  return state;
}

test('restored under a longer allowed lateness, the spans listing released events are rewritten: those never come back', () => {
  const events = shuffleWithin(traffic(600, 47), 30_000, 48);
  const cut = 280;
  const state = checkpointedInBatches(new Sessionizer(CONFIG), events.slice(0, cut), 8);
  const through = state.meta!.releasedThrough!;
  assert.ok(state.snapshot(true).buffer.some((item) => item.event.eventTime <= through), 'a held span lists released events');
  // The watermark goes back: events released at or before the old one are listed in chunks still held.
  const longer = { ...CONFIG, allowedLatenessMs: 120 * CONFIG.allowedLatenessMs! };
  const restored = Sessionizer.restore(state.snapshot(true), longer);
  restored.trackChanges();
  for (let i = cut; i < events.length; i += 20) {
    for (const event of events.slice(i, i + 20)) restored.push(event);
    state.apply(restored);
    assert.deepStrictEqual(state.snapshot(), canonical(restored.snapshot()), `after event ${i + 20}`);
    const again = Sessionizer.restore(state.snapshot(true), longer);
    assert.deepStrictEqual(canonical(again.snapshot()), canonical(restored.snapshot()), `restored after event ${i + 20}`);
  }
});

test('restored under a shorter allowed lateness, events still buffered at or below the new watermark survive another restore', () => {
  const events = shuffleWithin(traffic(400, 53), 30_000, 54);
  const longer = { ...CONFIG, allowedLatenessMs: 120 * CONFIG.allowedLatenessMs! };
  const state = checkpointedInBatches(new Sessionizer(longer), events.slice(0, 200), 8);
  // Under the default lateness the restored watermark is past events the longer one still holds.
  const restored = Sessionizer.restore(state.snapshot(true), CONFIG);
  restored.trackChanges();
  const held = restored.snapshot().buffer.filter((item) => item.event.eventTime <= restored.watermark);
  assert.ok(held.length > 0, 'the restore holds events at or below its watermark');
  // A batch of late events only: nothing drains them, and the checkpoint is written.
  const late = restored.push({ ...events[0]!, eventTime: restored.watermark - 1 });
  assert.equal(late.late.length, 1);
  state.apply(restored);
  const again = Sessionizer.restore(state.snapshot(true), CONFIG);
  assert.deepStrictEqual(canonical(again.snapshot()), canonical(restored.snapshot()), 'every buffered event restored');
  assert.equal(again.flush().records.length, restored.flush().records.length, 'the same sessions close');
});

test('a session closed and reopened under the same key between two takes is written, not deleted', () => {
  const sessionizer = new Sessionizer({ ...CONFIG, allowedLatenessMs: 0 });
  sessionizer.trackChanges();
  sessionizer.push(at(0));
  sessionizer.takeChanges();
  // Past the gap: the first session closes and a new one opens under the same key.
  sessionizer.push(at(CONFIG.gapMs! / 1000 + 60));
  const changes = sessionizer.takeChanges();
  assert.equal(changes.closed.length, 0, 'the key is rewritten, not removed');
  assert.equal(changes.sessions.length, 1);
  assert.equal(changes.sessions[0]!.seq, 1, 'the new session');
  assert.equal(changes.sessions[0]!.pending, 1);
});

/**
 * A checkpoint written by the sessionizer before its compact state layout (fixtures/*-v1-*.json).
 * It predates the `*_logged` features too: the feature set is moved to this code's, and the closed
 * records it holds gain those flags as a fully logged session has them, so what is compared is
 * the accumulator layout (44 scalars then) and every value computed from it.
 */
function v1Fixture<T extends { snapshot: SessionizerSnapshot; closed?: SessionFeatures[] }>(name: string): T {
  const fixture = JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')) as T;
  fixture.snapshot.featureSet = featureSetFingerprint;
  for (const record of fixture.closed ?? []) {
    record.featureSet = featureSetFingerprint;
    record.features = { ...record.features, referrer_logged: 1, bytes_logged: 1, ua_logged: 1 };
  }
  return fixture;
}

test('a checkpoint in the v1 layout (written before the compact state) restores and continues exactly', () => {
  const { cut, snapshot } = v1Fixture<{ cut: number; snapshot: SessionizerSnapshot }>('sessionizer-snapshot-v1-mixed.json');
  assert.ok(snapshot.sessions.length >= 10, 'the fixture holds open sessions');
  const events = shuffleWithin(traffic(500, 11), 90_000, 12);
  const uninterrupted = run(events, CONFIG);
  const got: Run = { records: [], late: [] };
  const first = new Sessionizer(CONFIG);
  for (const event of events.slice(0, cut)) collect(got, first.push(event));
  const restored = Sessionizer.restore(decodeSessionizerSnapshot(encodeSessionizerSnapshot(snapshot)), CONFIG);
  assert.deepEqual(restored.stats(), first.stats());
  for (const event of events.slice(cut)) collect(got, restored.push(event));
  collect(got, restored.flush());
  assert.deepStrictEqual(got, uninterrupted);
});

test('a session past 65,535 requests in one path bucket keeps the v1 features, straight through and across a v1 checkpoint', () => {
  const fixture = v1Fixture<{ cut: number; snapshot: SessionizerSnapshot; closed: SessionFeatures[] }>('sessionizer-snapshot-v1-long.json');
  const events = longSession(80_000);
  const config = { updateEveryEvents: 0, updateAfterMs: 0, allowedLatenessMs: 0 };
  assert.deepStrictEqual(run(events, config).records, fixture.closed, 'straight through');
  const restored = Sessionizer.restore(fixture.snapshot, config);
  const records: SessionFeatures[] = [];
  for (const event of events.slice(fixture.cut)) records.push(...restored.push(event).records);
  records.push(...restored.flush().records);
  assert.deepStrictEqual(records, fixture.closed, 'restored from v1');
  // And through a checkpoint of this code, taken past the widening.
  const again = new Sessionizer(config);
  for (const event of events.slice(0, 75_000)) again.push(event);
  const resumed = Sessionizer.restore(decodeSessionizerSnapshot(encodeSessionizerSnapshot(again.snapshot())), config);
  const tail: SessionFeatures[] = [];
  for (const event of events.slice(75_000)) tail.push(...resumed.push(event).records);
  tail.push(...resumed.flush().records);
  assert.deepStrictEqual(tail, fixture.closed, 'restored from this code');
});

test('a snapshot from other feature code, or malformed, is refused', () => {
  const snapshot = new Sessionizer().snapshot();
  assert.throws(
    () => Sessionizer.restore({ ...snapshot, featureSet: 'fs1-0000000000000000' }),
    (err: unknown) => isFeatureError(err, 'WEIR_FEATURES_SNAPSHOT'),
  );
  assert.throws(() => decodeSessionizerSnapshot(Buffer.from('{nope')), (err: unknown) => isFeatureError(err, 'WEIR_FEATURES_SNAPSHOT'));
  assert.throws(
    () => Sessionizer.restore({ ...snapshot, sessions: [{ key: 1 }] } as never),
    (err: unknown) => isFeatureError(err, 'WEIR_FEATURES_SNAPSHOT'),
  );
});

test('at the open-session cap the least recently active session is force-closed, flagged and counted; memory stays bounded', () => {
  const config = { maxOpenSessions: 3, updateEveryEvents: 0, updateAfterMs: 0, allowedLatenessMs: 0 };
  const sessionizer = new Sessionizer(config);
  const records: SessionFeatures[] = [];
  const t0 = T0;
  // Visitor 0 comes back last of the first four; visitor 1 is then the least recently active.
  const visits = [0, 1, 2, 0, 3, 4];
  visits.forEach((visitor, i) => {
    const out = sessionizer.push(request({ clientIp: `10.0.0.${visitor}`, eventTime: t0 + i * 1000 }));
    records.push(...out.records);
    assert.ok(sessionizer.stats().openSessions <= 3, `never more than 3 open (after event ${i})`);
  });
  const forced = records.filter((r) => r.closeReason === 'max_open_sessions');
  assert.deepEqual(forced.map((r) => [r.clientIp, r.requestCount, r.closed]), [['10.0.0.1', 1, true], ['10.0.0.2', 1, true]]);
  assert.equal(sessionizer.stats().sessionsForceClosed, 2);
  records.push(...sessionizer.flush().records);
  const normal = records.filter((r) => r.closed && r.closeReason === null);
  assert.deepEqual(normal.map((r) => [r.clientIp, r.requestCount]).sort(), [['10.0.0.0', 2], ['10.0.0.3', 1], ['10.0.0.4', 1]]);
  assert.equal(records.filter((r) => r.closed).reduce((n, r) => n + r.requestCount, 0), visits.length, 'every event in exactly one closed session');
});

test('without a cap no session is force-closed, and a negative or fractional cap is refused', () => {
  const sessionizer = new Sessionizer({ updateEveryEvents: 0, allowedLatenessMs: 0 });
  for (let i = 0; i < 50; i++) sessionizer.push(request({ clientIp: `10.0.1.${i}`, eventTime: T0 + i }));
  assert.equal(sessionizer.stats().openSessions, 50);
  assert.equal(sessionizer.stats().sessionsForceClosed, 0);
  assert.throws(() => new Sessionizer({ maxOpenSessions: -1 }), /maxOpenSessions/);
  assert.throws(() => new Sessionizer({ maxOpenSessions: 1.5 }), /maxOpenSessions/);
});

test('a session closed early (an idle flush) and one of the same key starting in the same second get different ids, also across a restore', () => {
  // Issue #10: a stream paused between two requests of one second (an idle close in between)
  // made two sessions with one id; downstream the second replaced the first (its lines uncounted).
  const config = { gapMs: 5 * 60_000, allowedLatenessMs: 60_000, updateEveryEvents: 0, updateAfterMs: 0 };
  const ids = (out: SessionizerOutput) => out.records.filter((r) => r.closed).map((r) => [r.sessionId, r.firstTime - T0, r.requestCount]);
  const sessionizer = new Sessionizer(config);
  sessionizer.push(at(100, { path: '/a' }));
  sessionizer.push(at(100, { path: '/b' }));
  const first = ids(sessionizer.flush());
  assert.deepEqual(first, [[sessionIdOf('shop', `10.0.0.1|${CHROME_130}`, T0 + 100_000), 100_000, 2]], 'the first keeps the id of its key and first time');
  // The same second again, twice, with a restore between: three sessions, three ids.
  sessionizer.push(at(100, { path: '/c' }));
  const second = ids(sessionizer.flush());
  const restored = Sessionizer.restore(decodeSessionizerSnapshot(encodeSessionizerSnapshot(sessionizer.snapshot())), config);
  restored.push(at(100, { path: '/d' }));
  restored.push(at(101, { path: '/e' }));
  const third = ids(restored.flush());
  const all = [...first, ...second, ...third];
  assert.deepEqual(all.map(([, first, count]) => [first, count]), [[100_000, 2], [100_000, 1], [100_000, 2]]);
  assert.equal(new Set(all.map(([id]) => id)).size, 3, `distinct ids: ${all.map(([id]) => id).join(' ')}`);
  // Replayed from the same snapshot, the same ids: they depend on the input alone.
  const replay = Sessionizer.restore(decodeSessionizerSnapshot(encodeSessionizerSnapshot(sessionizer.snapshot())), config);
  replay.push(at(100, { path: '/d' }));
  replay.push(at(101, { path: '/e' }));
  assert.deepEqual(ids(replay.flush()), third);
});

test('a session closed on its gap leaves nothing behind: the next one of its key is told apart by its first time', () => {
  const sessionizer = new Sessionizer({ gapMs: 60_000, allowedLatenessMs: 0, updateEveryEvents: 0, updateAfterMs: 0 });
  sessionizer.push(at(0));
  const closed = sessionizer.push(at(120)).records.filter((r) => r.closed);
  assert.equal(closed.length, 1);
  assert.equal(sessionizer.snapshot().closedEarly, undefined, 'nothing remembered for a session closed by event time');
});

test('sessions closed early are changes of their own, not in the meta entry; restored from them, the next session still gets its own id', () => {
  const config = { gapMs: 5 * 60_000, allowedLatenessMs: 60_000, updateEveryEvents: 0, updateAfterMs: 0 };
  const closedIds = (out: SessionizerOutput) => out.records.filter((r) => r.closed).map((r) => r.sessionId);
  const sessionizer = new Sessionizer(config);
  sessionizer.trackChanges();
  const state = new ChangeApplied();
  sessionizer.push(at(100, { path: '/a' }));
  state.apply(sessionizer);
  const [first] = closedIds(sessionizer.flush());
  state.apply(sessionizer);
  assert.equal(state.closedEarly.size, 1);
  assert.equal(state.meta?.closedEarly, undefined, 'the meta entry stays small');
  assert.deepStrictEqual(state.snapshot(), canonical(sessionizer.snapshot()));
  const restored = Sessionizer.restore(state.snapshot(), config);
  restored.push(at(100, { path: '/b' }));
  const [second] = closedIds(restored.flush());
  assert.ok(first && second && first !== second, `${first} then ${second}`);
  // Once the watermark passes its first time it is forgotten: a removal.
  sessionizer.push(at(100, { path: '/b' }));
  state.apply(sessionizer);
  sessionizer.push(at(400, { clientIp: '10.0.0.9' }));
  state.apply(sessionizer);
  assert.equal(state.closedEarly.size, 0);
  assert.deepStrictEqual(state.snapshot(), canonical(sessionizer.snapshot()));
});

/**
 * Sessionizer → window baseline → relative features with default settings: every session's
 * final values reach a window before it closes (the idle update), so the close records that
 * arrive after their window are duplicates of what was counted, never lost data.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RequestEvent, SessionFeatures } from '@weir/contracts';
import { relativeFeatures } from '../src/relative.js';
import { Sessionizer } from '../src/sessionizer.js';
import { WindowBaseline } from '../src/window.js';
import { CHROME_130, prng, request, T0 } from './helpers.js';

function traffic(count: number): RequestEvent[] {
  const random = prng(99);
  const events: RequestEvent[] = [];
  for (let i = 0; i < count; i++) {
    const visitor = Math.floor(i / 20) + Math.floor(random() * 40);
    events.push(
      request({
        eventTime: T0 + i * 300 + Math.floor(random() * 5000),
        clientIp: `10.1.${(visitor >> 8) & 255}.${visitor & 255}`,
        userAgent: visitor % 4 === 0 ? 'python-requests/2.32.3' : CHROME_130,
        path: random() < 0.5 ? `/p/${Math.floor(random() * 50)}` : '/static/app.js',
        status: random() < 0.1 ? 404 : 200,
      }),
    );
  }
  return events;
}

test('defaults: no update is late for its window; late close records repeat counted values', () => {
  const sessionizer = new Sessionizer();
  const baseline = new WindowBaseline();
  const lastUpdate = new Map<string, SessionFeatures>();
  const closedLate: SessionFeatures[] = [];
  let summaries = 0;
  const feed = (records: readonly SessionFeatures[]) => {
    for (const record of records) {
      const out = baseline.push(record);
      summaries += out.summaries.length;
      for (const late of out.late) {
        assert.equal(late.kind, 'closed_session', `${late.kind} record of ${late.record.sessionId}`);
        closedLate.push(late.record);
      }
      if (!record.closed) lastUpdate.set(record.sessionId, record);
    }
  };
  for (const event of traffic(20_000)) {
    const out = sessionizer.push(event);
    assert.equal(out.late.length, 0);
    feed(out.records);
  }
  feed(sessionizer.flush().records);
  summaries += baseline.flush().summaries.length;
  assert.ok(closedLate.length > 50, `${closedLate.length} close records after their window`);
  for (const record of closedLate) {
    const update = lastUpdate.get(record.sessionId);
    assert.ok(update, `session ${record.sessionId} closed after its window without an earlier update`);
    assert.deepStrictEqual({ ...record, closed: false }, update);
  }
  assert.ok(summaries > 50);
  assert.equal(baseline.stats().late, 0);
});

test('a session against the baseline of its window', () => {
  const sessionizer = new Sessionizer({ updateEveryEvents: 0, updateAfterMs: 0 });
  const baseline = new WindowBaseline({ sizeMs: 3_600_000, updateEveryRecords: 0 });
  const records: SessionFeatures[] = [];
  for (const event of traffic(3000)) records.push(...sessionizer.push(event).records);
  records.push(...sessionizer.flush().records);
  const summaries = records.flatMap((record) => [...baseline.push(record).summaries]);
  summaries.push(...baseline.flush().summaries);
  const summary = summaries.find((s) => s.sessionCount > 20);
  assert.ok(summary);
  const session = records.find((r) => r.lastTime >= summary.windowStart && r.lastTime < summary.windowEnd) as SessionFeatures;
  const relative = relativeFeatures(session, summary);
  const requests = relative.deviations.find((d) => d.feature === 'request_count');
  assert.ok(requests);
  const stats = summary.features.request_count;
  assert.ok(stats);
  assert.equal(requests.z, (session.requestCount - stats.mean) / Math.sqrt(stats.variance));
  assert.equal(relative.vector.z_request_count, requests.z);
});

test('an idle flush between a visitor\'s requests of one second: both sessions reach the window, every request counted once', () => {
  // Issue #10 as the stages meet it: sessionize closes a partition's sessions when its input
  // pauses (a flush), and the same visitor's next request has the first one's timestamp (logs
  // count in seconds). Two sessions: with one id, the window stage took the second for a replay
  // of the first (stale) and a reader keeping each session's last close lost the first's requests.
  const config = { gapMs: 5 * 60_000, allowedLatenessMs: 60_000, updateEveryEvents: 0, updateAfterMs: 30_000 };
  const sessionizer = new Sessionizer(config);
  const window = new WindowBaseline({ sizeMs: 60_000, allowedLatenessMs: 30 * 60_000, updateEveryRecords: 0 });
  const records: SessionFeatures[] = [];
  const late: string[] = [];
  const feed = (out: { records: readonly SessionFeatures[] }) => {
    for (const record of out.records) {
      records.push(record);
      for (const entry of window.push(record).late) late.push(`${entry.kind} ${entry.record.sessionId}`);
    }
  };
  const visitor = { clientIp: '10.9.0.1', userAgent: CHROME_130 };
  feed(sessionizer.push(request({ ...visitor, eventTime: T0 + 5_000, path: '/' })));
  feed(sessionizer.push(request({ ...visitor, eventTime: T0 + 5_000, path: '/app.js' })));
  feed(sessionizer.flush());
  for (const path of ['/a.css', '/b.png', '/c.png']) feed(sessionizer.push(request({ ...visitor, eventTime: T0 + 5_000, path })));
  feed(sessionizer.push(request({ ...visitor, eventTime: T0 + 9_000, path: '/next' })));
  feed(sessionizer.flush());

  const lastClose = new Map(records.filter((r) => r.closed).map((r) => [r.sessionId, r.requestCount]));
  assert.deepEqual([...lastClose.values()], [2, 4], 'two sessions, each with its own id');
  assert.equal([...lastClose.values()].reduce((a, b) => a + b, 0), 6, 'every request in exactly one closed session');
  assert.deepEqual(late, [], 'no record of the second session taken for a replay of the first');
  const summary = window.flush().summaries.find((s) => s.closed && s.windowStart === T0 - (T0 % 60_000));
  assert.equal(summary?.sessionCount, 2, 'the window counts both sessions');
});

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

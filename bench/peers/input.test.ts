import assert from 'node:assert/strict';
import { test } from 'node:test';
import { partitionForKey } from '../../shared/stream/src/index.js';
import type { RequestEvent } from '../../shared/contracts/src/index.js';
import { ipUaKey, sessionIdOf } from '../../shared/features/src/index.js';
import { OfflinePipeline } from '../../shared/pipeline/src/index.js';
import { peerInput, peersLastWindows, weirLastWindows } from './input.js';
import { weirReferenceWindows } from './weir-reference.js';
import { compareWindows, GAP_MS, referenceSessions, referenceWindows, WINDOW_FIELDS, WINDOW_MS, type PeerWindow } from './reference.js';
import { parseStage } from './weir-job.js';

const input = peerInput({ minutes: 3, customers: 2, seed: 'peers-test', partitions: 4 });

test('every customer has both sentinels in every input partition × weir sessions partition, after all its traffic', () => {
  const customers = [...input.lastTime.keys()].sort();
  assert.equal(customers.length, 2);
  for (const customer of customers) {
    for (const offset of [2, 3]) {
      const due = Math.max(...input.lastTime.values()) + offset * 3_600_000;
      const pairs = input.sentinels
        .filter((s) => s.customer === customer && s.time === due)
        .map((s) => {
          const session = sessionIdOf(customer, ipUaKey(s.event), s.event.eventTime);
          return `${partitionForKey(Buffer.from(s.key), 4)}/${partitionForKey(Buffer.from(session), 4)}`;
        })
        .sort();
      assert.deepEqual(pairs, [0, 1, 2, 3].flatMap((p) => [0, 1, 2, 3].map((q) => `${p}/${q}`)), `${customer} +${offset} h`);
    }
  }
  // Each sentinel line carries its own time, which the engines read from the line.
  for (const s of input.sentinels) assert.match(s.line, /^10\.\d+\.\d+\.\d+ - - \[\d\d\/\w{3}\/\d{4}:\d\d:\d\d:\d\d \+0000\] "GET /);
});

test('records are keyed by customer, client address and user agent, as the line shows them', () => {
  for (const r of input.traffic.slice(0, 200)) {
    const [customer, ip] = r.key.split('|');
    assert.equal(customer, r.customer);
    assert.ok(r.line.startsWith(`${ip} `), r.line);
    assert.ok(r.line.endsWith(`"${r.key.split('|').slice(2).join('|')}"`) || r.key.endsWith('|-'), r.line);
  }
});

test('the last windows: the peers count a session at its last event + gap, weir at its last event', () => {
  for (const [customer, last] of input.lastTime) {
    assert.equal(peersLastWindows(input).get(customer), Math.floor((last + GAP_MS - 1) / WINDOW_MS) * WINDOW_MS);
    assert.equal(weirLastWindows(input).get(customer), Math.floor(last / WINDOW_MS) * WINDOW_MS);
  }
});

test('the reference job cuts sessions at a 30-minute gap and counts them in the window of last event + gap', () => {
  const t0 = Date.UTC(2026, 0, 1, 12);
  const at = (key: string, minutes: number, e: Partial<RequestEvent> = {}) => ({
    key,
    event: { customer: key.split('|')[0]!, eventTime: t0 + minutes * 60_000, method: 'GET', path: '/', query: null, status: 200, bytes: 100, referrer: 'http://x/', ...e } as RequestEvent,
  });
  const sessions = referenceSessions([
    at('a|1|x', 0, { path: '/app.js', query: 'v=1', bytes: 700 }),
    at('a|1|x', 10, { method: 'POST', status: 404, referrer: null }),
    at('a|1|x', 40),
    at('a|1|x', 71),
    at('a|2|x', 10, { path: '/app.js' }),
    at('b|1|x', 0),
  ]);
  // a|1|x: [0, 10], then 40 (exactly the gap after 10: a new session), then 71.
  assert.deepEqual(
    sessions.map((s) => [s.key, (s.first - t0) / 60_000, (s.last - t0) / 60_000, s.events]).sort(),
    [['a|1|x', 0, 10, 2], ['a|1|x', 40, 40, 1], ['a|1|x', 71, 71, 1], ['a|2|x', 10, 10, 1], ['b|1|x', 0, 0, 1]].sort(),
  );
  const first = sessions.find((s) => s.key === 'a|1|x' && s.first === t0)!;
  assert.deepEqual(
    { bytes: first.bytes, maxBytes: first.maxBytes, errors: first.errors, nonGet: first.nonGet, assets: first.assets, noReferrer: first.noReferrer, paths: first.paths },
    { bytes: 800, maxBytes: 700, errors: 1, nonGet: 1, assets: 1, noReferrer: 1, paths: 2 },
  );
  // A session ending at minute 10 closes at 40, counted in the window of 39:59.999.
  const windows = referenceWindows(sessions);
  assert.deepEqual(
    windows.map((w) => [w.customer, (w.windowStart - t0) / 60_000, w.sessions, w.events, w.durationS, w.maxEvents, w.paths]),
    [
      ['a', 39, 2, 3, 600, 2, 3],
      ['a', 69, 1, 1, 0, 1, 1],
      ['a', 100, 1, 1, 0, 1, 1],
      ['b', 29, 1, 1, 0, 1, 1],
    ],
  );
});

test("the reference job's sessions are weir's: its offline sessionizer closes the same sessions", () => {
  const data = peerInput({ minutes: 40, customers: 2, seed: 'peers-offline', partitions: 4 });
  const weir: string[] = [];
  const pipeline = new OfflinePipeline({
    onSessionRecord: (r) => {
      if (r.closed) weir.push(`${r.customer}|${r.sessionKey} ${r.firstTime} ${r.lastTime} ${r.requestCount}`);
    },
  });
  for (const r of data.traffic) pipeline.push(r.event);
  pipeline.finish();
  // weir keys a session by ip|ua within the customer, the records by customer|ip|ua: the same visitor.
  const reference = referenceSessions(data.traffic).map((s) => `${s.key.replace(/\|-$/, '|')} ${s.first} ${s.last} ${s.events}`);
  assert.ok(reference.length > 100, `${reference.length} sessions`);
  assert.deepEqual(reference.sort(), weir.sort());
});

test("weir's reference windows count every session in the window of its last event, through its updates", () => {
  const data = peerInput({ minutes: 40, customers: 2, seed: 'peers-weir', partitions: 4 });
  const windows = new Map(weirReferenceWindows(data, 4, {}).map((w) => [`${w.customer}|${w.windowStart}`, w.sessions]));
  const ending = new Map<string, number>();
  for (const s of referenceSessions(data.traffic)) {
    const id = `${s.customer}|${Math.floor(s.last / WINDOW_MS) * WINDOW_MS}`;
    ending.set(id, (ending.get(id) ?? 0) + 1);
  }
  // A window also counts the sessions still going on in it: at least those that ended there.
  for (const [id, n] of ending) assert.ok((windows.get(id) ?? 0) >= n, `${id}: ${windows.get(id)} sessions counted, ${n} ended there`);
  assert.ok([...windows.values()].reduce((a, b) => a + b, 0) > [...ending.values()].reduce((a, b) => a + b, 0));
});

test('the comparison finds missing, extra and differing windows, and leaves the sentinels\' own windows out', () => {
  const w = (windowStart: number, sessions: number): PeerWindow => ({ customer: 'a', windowStart, ...Object.fromEntries(WINDOW_FIELDS.map((f) => [f, 1])), sessions }) as PeerWindow;
  const reference = [w(0, 1), w(WINDOW_MS, 2), w(2 * WINDOW_MS, 1)];
  const same = compareWindows(reference, [...reference].reverse());
  assert.equal(same.equal, 3);
  const a = compareWindows(reference, [w(0, 1), w(WINDOW_MS, 3), w(1.5 * WINDOW_MS, 1), w(100 * WINDOW_MS, 1)]);
  assert.equal(a.equal, 1);
  assert.deepEqual(a.missing.map((m) => m.windowStart), [2 * WINDOW_MS]);
  assert.deepEqual(a.differing.map((d) => [d.reference.windowStart, d.fields, d.got.sessions]), [[WINDOW_MS, ['sessions'], 3]]);
  assert.deepEqual(a.extra.map((e) => e.windowStart), [1.5 * WINDOW_MS]);
});

test("weir's parse stage keeps the key, takes the customer from it, and rejects bad lines with the parser's reason", async () => {
  const stage = parseStage('weir.logs.t');
  const ctx = {} as Parameters<typeof stage.process>[1];
  const record = (key: string, value: string) => ({ topic: 'in', partition: 0, offset: 0, key: Buffer.from(key), value, headers: {}, timestamp: 0 });
  const [first] = input.traffic;
  const out = await stage.process([record(first!.key, first!.line)], ctx);
  assert.equal(out.length, 1);
  assert.equal(out[0]!.topic, 'weir.logs.t');
  assert.equal(out[0]!.key?.toString(), first!.key);
  assert.equal(out[0]!.value.customer, first!.customer);
  assert.equal(out[0]!.value.eventTime, first!.time);
  await assert.rejects(async () => stage.process([record('a|1|x', 'not a log line')], ctx), /WEIR_PEERS_LINE: .+/);
  await assert.rejects(async () => stage.process([record('no-customer', first!.line)], ctx), /WEIR_PEERS_KEY/);
});

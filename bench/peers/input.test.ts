import assert from 'node:assert/strict';
import { test } from 'node:test';
import { partitionForKey } from '../../shared/stream/src/index.js';
import { GAP_MS, WINDOW_MS, peerInput, peersLastWindows, referenceWindows, weirLastWindows, type PeerRecord } from './input.js';
import { parseStage } from './weir-job.js';

const input = peerInput({ minutes: 3, customers: 2, seed: 'peers-test', partitions: 4 });

test('every customer has both sentinels in every partition, after all its traffic', () => {
  const customers = [...input.lastTime.keys()].sort();
  assert.equal(customers.length, 2);
  for (const customer of customers) {
    for (const offset of [2, 3]) {
      const due = Math.max(...input.lastTime.values()) + offset * 3_600_000;
      const partitions = input.sentinels
        .filter((s) => s.customer === customer && s.time === due)
        .map((s) => partitionForKey(Buffer.from(s.key), 4))
        .sort();
      assert.deepEqual(partitions, [0, 1, 2, 3], `${customer} +${offset} h`);
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
  const r = (key: string, minutes: number): PeerRecord => ({ key, customer: key.split('|')[0]!, line: '', time: t0 + minutes * 60_000 });
  const windows = referenceWindows([r('a|1|x', 0), r('a|1|x', 10), r('a|1|x', 41), r('a|2|x', 10), r('b|1|x', 0)]);
  // a|1|x: [0, 10] then [41] (31 min apart); a|2|x: [10]; b|1|x: [0]. A session ending at
  // minute 10 closes at 40, counted in the window of 39:59.999.
  assert.deepEqual(windows, [
    { customer: 'a', windowStart: t0 + 39 * 60_000, sessions: 2, events: 3 },
    { customer: 'a', windowStart: t0 + 70 * 60_000, sessions: 1, events: 1 },
    { customer: 'b', windowStart: t0 + 29 * 60_000, sessions: 1, events: 1 },
  ]);
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

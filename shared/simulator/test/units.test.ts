import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ClfClock, formatClfLine } from '../src/clf.js';
import { IpAllocator, poolRanges } from '../src/ip.js';
import { mergeByTime, TimeHeap } from '../src/merge.js';
import { Rng } from '../src/random.js';
import { Arrivals, diurnal, meanDiurnal } from '../src/rhythm.js';
import { parseDuration, parseInstant, parseUtcOffset, formatUtcOffset, DAY, HOUR } from '../src/time.js';
import { browserEra } from '../src/user-agents.js';
import { CLF } from './helpers.js';

describe('Rng', () => {
  it('repeats a sequence for a seed and changes it for another', () => {
    const draw = (seed: string): number[] => {
      const rng = new Rng(seed);
      return Array.from({ length: 20 }, () => rng.uint32());
    };
    assert.deepEqual(draw('a'), draw('a'));
    assert.notDeepEqual(draw('a'), draw('b'));
    assert.notDeepEqual(Rng.derive('s', 'x', 1).uint32(), Rng.derive('s', 'x', 2).uint32());
  });

  it('keeps draws in range and roughly uniform', () => {
    const rng = new Rng('uniform');
    const buckets = new Array<number>(10).fill(0);
    for (let i = 0; i < 100_000; i++) {
      const x = rng.next();
      assert.ok(x >= 0 && x < 1);
      buckets[Math.floor(x * 10)]!++;
    }
    for (const b of buckets) assert.ok(Math.abs(b - 10_000) < 500, `bucket ${b}`);
    for (let i = 0; i < 1000; i++) {
      const n = rng.int(3, 5);
      assert.ok(n >= 3 && n <= 5 && Number.isInteger(n));
    }
  });

  it('draws log-normals around their median', () => {
    const rng = new Rng('ln');
    const xs = Array.from({ length: 20_000 }, () => rng.logNormal(10, 1)).sort((a, b) => a - b);
    const med = xs[10_000] as number;
    assert.ok(med > 9.5 && med < 10.5, `median ${med}`);
  });
});

describe('time', () => {
  it('parses durations', () => {
    assert.equal(parseDuration('30s'), 30_000);
    assert.equal(parseDuration('10m'), 600_000);
    assert.equal(parseDuration('2h'), 2 * HOUR);
    assert.equal(parseDuration('1d'), DAY);
    assert.equal(parseDuration('1.5h'), 1.5 * HOUR);
    for (const bad of ['', '10', 'm', '-1h', '0s', '1w', '1 h']) assert.throws(() => parseDuration(bad), RangeError, bad);
  });

  it('parses and formats UTC offsets', () => {
    assert.equal(parseUtcOffset('UTC'), 0);
    assert.equal(parseUtcOffset('+0100'), 60);
    assert.equal(parseUtcOffset('-05:00'), -300);
    assert.equal(parseUtcOffset('+5:30'), 330);
    assert.equal(formatUtcOffset(-300), '-0500');
    assert.equal(formatUtcOffset(330), '+0530');
    assert.throws(() => parseUtcOffset('+25'), RangeError);
    assert.throws(() => parseUtcOffset('Europe/Paris'), RangeError);
  });

  it('needs a zone on an instant with a time of day, so files do not depend on the machine', () => {
    assert.equal(parseInstant('2025-03-04T09:00:00Z'), Date.UTC(2025, 2, 4, 9));
    assert.equal(parseInstant('2025-03-04T10:00:00+01:00'), Date.UTC(2025, 2, 4, 9));
    assert.equal(parseInstant('2025-03-04'), Date.UTC(2025, 2, 4));
    assert.throws(() => parseInstant('2025-03-04T09:00:00'), RangeError);
    assert.throws(() => parseInstant('yesterday'), RangeError);
  });
});

describe('Combined Log Format', () => {
  it('writes %t in the site offset and - for an empty body and missing headers', () => {
    const clock = new ClfClock(-300);
    const time = clock.format(Date.UTC(2025, 0, 1, 3, 4, 5, 999));
    assert.equal(time, '31/Dec/2024:22:04:05 -0500');
    const line = formatClfLine({ clientIp: '203.0.113.9', time, method: 'GET', target: '/a?b=1', protocol: 'HTTP/1.1', status: 304, bytes: 0, referrer: null, userAgent: null });
    assert.equal(line, '203.0.113.9 - - [31/Dec/2024:22:04:05 -0500] "GET /a?b=1 HTTP/1.1" 304 - "-" "-"');
    assert.match(line, CLF);
  });
});

describe('client addresses', () => {
  it('come from pools that do not overlap', () => {
    const ranges = poolRanges().sort((a, b) => a.first - b.first);
    for (let i = 1; i < ranges.length; i++) {
      const prev = ranges[i - 1]!;
      const cur = ranges[i]!;
      assert.ok(prev.last < cur.first, `${prev.pool} overlaps ${cur.pool}`);
    }
  });

  it('are never handed out twice, across customers, even when a small pool runs out', () => {
    const seen = new Set<string>();
    const customers = 3;
    for (let c = 0; c < customers; c++) {
      const ips = new IpAllocator('seed', c, customers);
      const rng = new Rng(`c${c}`);
      // duckduckbot has 2 × 254 usable addresses: 400 per customer overflow into the datacenter pool.
      for (let i = 0; i < 400; i++) {
        const ip = ips.allocate('duckduckbot', rng);
        assert.ok(!seen.has(ip), `duplicate ${ip}`);
        seen.add(ip);
      }
      for (let i = 0; i < 5000; i++) {
        const ip = ips.allocate(i % 2 ? 'residential' : 'mobile', rng);
        assert.ok(!seen.has(ip), `duplicate ${ip}`);
        assert.ok(!/\.(0|255)$/.test(ip), ip);
        seen.add(ip);
      }
    }
  });
});

describe('merging in time order', () => {
  it('pops by time, equal times in insertion order', () => {
    const heap = new TimeHeap<string>();
    const rng = new Rng('heap');
    const items = Array.from({ length: 2000 }, (_, i) => ({ t: rng.int(0, 300), i }));
    for (const { t, i } of items) heap.push(t, `${t}:${i}`);
    const out: Array<[number, number]> = [];
    while (heap.size > 0) {
      const [t, i] = (heap.pop() as string).split(':').map(Number) as [number, number];
      out.push([t, i]);
    }
    const expected = [...items].sort((a, b) => a.t - b.t || a.i - b.i).map(({ t, i }) => [t, i]);
    assert.deepEqual(out, expected);
  });

  it('merges sorted streams lazily', () => {
    const stream = (times: number[]): Array<{ time: number; tag: string }> => times.map((time) => ({ time, tag: String(times[0]) }));
    const merged = [...mergeByTime([stream([1, 4, 9]), stream([2, 3, 10]), stream([])])].map((x) => x.time);
    assert.deepEqual(merged, [1, 2, 3, 4, 9, 10]);
  });
});

describe('rhythm', () => {
  it('averages 1 over a day and peaks in the local evening', () => {
    const day = Date.UTC(2025, 2, 4);
    assert.ok(Math.abs(meanDiurnal(day, day + DAY, 0) - 1) < 0.01);
    assert.ok(diurnal(day + 20 * HOUR, 0) > 3 * diurnal(day + 4 * HOUR, 0));
    // 20:00 in New York is 01:00 UTC the next day.
    assert.ok(Math.abs(diurnal(day + 25 * HOUR, -300) - diurnal(day + 20 * HOUR, 0)) < 1e-9);
  });

  it('makes Poisson arrivals at the asked rate', () => {
    const perMs = 10 / 60_000;
    const arrivals = new Arrivals(new Rng('poisson'), 0, DAY, perMs, () => perMs);
    let n = 0;
    let last = -1;
    for (let t = arrivals.next(); t !== null; t = arrivals.next()) {
      assert.ok(t >= last && t < DAY);
      last = t;
      n++;
    }
    assert.ok(Math.abs(n - 14_400) < 400, `arrivals ${n}`);
  });
});

describe('browser versions', () => {
  it('follow the simulated date', () => {
    assert.deepEqual(browserEra(Date.UTC(2025, 2, 4, 9)), { chrome: 134, firefox: 136, safariMajor: 18, safariMinor: 3 });
    const later = browserEra(Date.UTC(2025, 9, 15));
    assert.ok(later.chrome >= 140 && later.chrome <= 142, String(later.chrome));
    assert.equal(later.safariMajor, 26);
  });
});
